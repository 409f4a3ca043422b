import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import * as Tooltip from '@radix-ui/react-tooltip';
import type { ReactNode } from 'react';
import { Toaster } from 'sonner';

/** Everything the app needs around it; the router is added by the caller. */
export function Providers({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <QueryClientProvider client={client}>
      <Tooltip.Provider delayDuration={300}>{children}</Tooltip.Provider>
      {/* Top right, below the header: at the bottom right, toasts covered the buttons of dialogs. */}
      <Toaster position="top-right" offset={{ top: 72 }} mobileOffset={{ top: 64 }} richColors closeButton />
    </QueryClientProvider>
  );
}
