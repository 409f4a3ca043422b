// "Run check" (full) for the dashboard and the checks page: starts it, shows
// it at once, and says why when it cannot start (one already running, a
// source not connected).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { api, errorMessage, isApiError } from '../../api';
import { checkKey, checksKey, dashboardKey } from '../../components/check';

export function useRunCheck(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.startCheck(projectId, { scope: 'full' }),
    onSuccess: async (c) => {
      queryClient.setQueryData(checkKey(projectId, c.id), c);
      toast.success('Full check started');
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: dashboardKey(projectId) }),
        queryClient.invalidateQueries({ queryKey: checksKey(projectId) }),
      ]);
    },
    onError: (err) => {
      toast.error(errorMessage(err));
      if (isApiError(err, 409)) {
        // Most likely one is running already: show it.
        queryClient.invalidateQueries({ queryKey: dashboardKey(projectId) });
        queryClient.invalidateQueries({ queryKey: checksKey(projectId) });
      }
    },
  });
}
