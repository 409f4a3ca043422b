// A query's loading and error states, the same wherever a page waits on one.
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorMessage } from '../api';
import { Button, ErrorAlert, LoadingState, QueryError } from './ui';

/**
 * A spinner with a label while the query loads; if it fails, the server's
 * message with "Try again": in a card titled by failed (what could not load)
 * on a page, inline within a wizard step. Children get the data.
 */
export function QueryGate<T>({
  query,
  loading,
  failed,
  children,
}: {
  query: UseQueryResult<T>;
  loading: string;
  failed?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingState label={loading} />;
  if (query.isError) {
    if (failed) return <QueryError title={failed} query={query} />;
    return (
      <div className="space-y-4">
        <ErrorAlert message={errorMessage(query.error)} />
        <Button variant="secondary" busy={query.isFetching} busyLabel="Trying again…" onClick={() => query.refetch()}>
          Try again
        </Button>
      </div>
    );
  }
  return <>{children(query.data)}</>;
}
