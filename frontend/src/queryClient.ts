import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError } from './api';
import { meKey } from './session';

/**
 * One QueryClient for the app. A 401 from any call means the session ended
 * (expired, signed out elsewhere): forget the user so the guard sends the
 * person to the sign-in page. Client errors (4xx) are never retried.
 */
export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (err) => {
        if (isApiError(err, 401)) client.setQueryData(meKey, null);
      },
    }),
    mutationCache: new MutationCache({
      onError: (err) => {
        if (isApiError(err, 401) && client.getQueryData(meKey)) client.setQueryData(meKey, null);
      },
    }),
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: false,
        retry: (count, err) => {
          if (isApiError(err) && err.status >= 400 && err.status < 500) return false;
          return count < 2;
        },
      },
      mutations: { retry: false },
    },
  });
  return client;
}
