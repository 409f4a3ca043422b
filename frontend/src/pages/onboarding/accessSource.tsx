// What step 3's two access-state sources share: a panel that shows the
// connection (or the form to make one), and a connect form whose call may
// first ask to replace the other source — a project reads one, not both.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CircleCheck } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { toast } from 'sonner';
import { errorMessage, isApiError } from '../../api';
import { Modal } from '../../components/Modal';
import { Button, ErrorAlert, ModeBadge } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Connection, ConnectResult } from '../../types';
import { AdminOnlyNote, refreshProject, rememberConnection, WarningsNotice } from './shared';

/** What a panel hands its connect form. */
export interface ConnectFormProps {
  reconnecting: boolean;
  onCancel: () => void;
  onConnected: (res: ConnectResult) => void;
}

/**
 * The connected source with Reconnect, or (for admins) the form; the
 * warnings of a connect that worked; for members, what is connected and
 * that only an admin can change it.
 */
export function SourcePanel({
  title,
  connected,
  canEdit,
  summary,
  lead,
  notConnected,
  adminOnly,
  form,
  children,
}: {
  /** The card's title, e.g. "Postgres connected". */
  title: string;
  connected?: Connection;
  canEdit: boolean;
  /** Replaces the card's label and mode row (Postgres has no test/live mode). */
  summary?: ReactNode;
  /** Shown first, e.g. that connecting replaces the other source. */
  lead?: ReactNode;
  notConnected: string;
  adminOnly: string;
  form: (props: ConnectFormProps) => ReactNode;
  /** Notes under the panel. */
  children: ReactNode;
}) {
  const [reconnecting, setReconnecting] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  const showForm = canEdit && (!connected || reconnecting);

  return (
    <div className="max-w-2xl space-y-5">
      {lead}
      {connected && !reconnecting && (
        <ConnectedCard title={title} conn={connected} summary={summary}>
          {canEdit && (
            <Button variant="secondary" size="sm" onClick={() => setReconnecting(true)}>
              Reconnect
            </Button>
          )}
        </ConnectedCard>
      )}
      {warnings.length > 0 && !showForm && (
        <WarningsNotice title="Connected, with something to look at" warnings={warnings} />
      )}
      {showForm
        ? form({
            reconnecting,
            onCancel: () => setReconnecting(false),
            onConnected: (res) => {
              setWarnings(res.warnings);
              setReconnecting(false);
            },
          })
        : !canEdit && (
            <>
              {!connected && <p className="text-sm text-gray-600">{notConnected}</p>}
              <AdminOnlyNote>{adminOnly}</AdminOnlyNote>
            </>
          )}
      {children}
    </div>
  );
}

function ConnectedCard({
  title,
  conn,
  summary,
  children,
}: {
  title: string;
  conn: Connection;
  summary?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div
      data-testid={`${conn.kind}-connected-card`}
      className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-4 sm:px-5"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 items-start gap-3">
          <CircleCheck aria-hidden className="mt-0.5 size-5 shrink-0 text-emerald-600" />
          <div className="min-w-0">
            <h3 className="text-sm font-semibold text-emerald-900">{title}</h3>
            {summary ?? (
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <code className="break-all font-mono text-sm text-gray-900">{conn.label}</code>
                <ModeBadge mode={conn.mode} />
              </div>
            )}
            <p className="mt-1 text-xs text-emerald-800">Connected {formatDateTime(conn.connected_at)}</p>
          </div>
        </div>
        {children}
      </div>
    </div>
  );
}

/**
 * The connect call of one source. Connecting it replaces the other one, so
 * the server first answers 409 replace_required with why; once the person
 * confirms, the call goes again with replace.
 */
export function useSourceConnect({
  projectId,
  what,
  connect,
  onConnected,
}: {
  projectId: string;
  /** For the toast: "Postgres connected — <label>". */
  what: string;
  connect: (replace: boolean) => Promise<ConnectResult>;
  onConnected: (res: ConnectResult) => void;
}) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: connect,
    onSuccess: async (res) => {
      setConfirm(null);
      rememberConnection(queryClient, projectId, res);
      toast.success(`${what} connected — ${res.label}`);
      onConnected(res);
      await refreshProject(queryClient, projectId);
    },
    onError: (err) => setConfirm(isApiError(err, 409) && err.code === 'replace_required' ? err.message : null),
  });
  return { mutation, confirm, cancelReplace: () => setConfirm(null) };
}

/**
 * A source's connect form: its fields, the error, "Test & connect" (and
 * Cancel while reconnecting), what the test does, and the replace question.
 */
export function SourceConnectForm({
  label,
  connect,
  replace,
  reconnecting,
  onCancel,
  footnote,
  children,
}: {
  /** The form's accessible name, e.g. "Connect Postgres". */
  label: string;
  connect: ReturnType<typeof useSourceConnect>;
  replace: { from: string; to: string; action: string };
  reconnecting: boolean;
  onCancel: () => void;
  footnote: ReactNode;
  children: ReactNode;
}) {
  const { mutation, confirm, cancelReplace } = connect;
  const needsConfirm = isApiError(mutation.error) && mutation.error.code === 'replace_required';
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate(false);
      }}
      className="space-y-5"
      aria-label={label}
    >
      {children}
      {mutation.isError && !needsConfirm && <ErrorAlert message={errorMessage(mutation.error)} />}
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Button type="submit" busy={mutation.isPending} busyLabel="Testing & connecting…">
          Test & connect
        </Button>
        {reconnecting && (
          <Button variant="ghost" onClick={onCancel} disabled={mutation.isPending}>
            Cancel
          </Button>
        )}
      </div>
      <p className="text-xs leading-5 text-gray-500">{footnote}</p>

      <Modal
        open={confirm !== null}
        onOpenChange={(open) => {
          if (!open && !mutation.isPending) cancelReplace();
        }}
        title={`Replace ${replace.from} with ${replace.to}?`}
        description={confirm ?? undefined}
        role="alertdialog"
      >
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={cancelReplace} disabled={mutation.isPending}>
            Cancel
          </Button>
          <Button busy={mutation.isPending} busyLabel="Testing & connecting…" onClick={() => mutation.mutate(true)}>
            {replace.action}
          </Button>
        </div>
      </Modal>
    </form>
  );
}
