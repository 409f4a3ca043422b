// Demo data's two actions: "Explore with demo data" (an onboarded demo
// project in one click, then its first check, then its dashboard) and
// "Reset demo data" (the demo world back to its seed, then a fresh check).
// Both show the check's progress until it ends. The demo has two apps with
// the same customers: one keeping access in SQL tables, where approving a
// repair writes and verifies it, and one keeping it in Clerk (guided fixes).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCcw, Sparkles } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../api';
import type { Check, DemoApp, DemoStarted, Project } from '../types';
import { checkKey } from './check';
import { Modal, ModalClose } from './Modal';
import { Button, ErrorAlert } from './ui';

const phaseLabel: Record<string, string> = {
  starting: 'Starting the check',
  reading_billing: 'Reading the demo Stripe account',
  reading_entitlements: 'Reading Stripe entitlements',
  recording_promises: 'Working out what billing promises',
  reading_app: 'Reading the demo app’s users and organizations',
  comparing: 'Comparing billing with access',
  saving: 'Saving incidents',
};

/** Polls a running check until it ends. */
function useCheckUntilDone(started: DemoStarted | null) {
  return useQuery({
    queryKey: checkKey(started?.project.id ?? '', started?.check.id ?? ''),
    queryFn: () => api.getCheck(started!.project.id, started!.check.id),
    enabled: started !== null,
    initialData: started?.check,
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 400 : false),
  });
}

/** The bar and the words under it, for a check that is running or just ended. */
export function CheckProgress({ check, label }: { check: Check | undefined; label: string }) {
  const running = !check || check.status === 'running';
  const percent = check ? Math.round(check.progress.percent) : 0;
  const phase = !check
    ? 'Creating the demo project'
    : check.progress.phase
      ? (phaseLabel[check.progress.phase] ?? 'Checking')
      : phaseLabel.starting;
  return (
    <div className="space-y-2">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={running && check?.progress.indeterminate ? undefined : percent}
        aria-valuetext={running ? `${phase}…` : 'Done'}
        className="h-2 overflow-hidden rounded-full bg-gray-100"
      >
        <div
          className="h-full rounded-full bg-indigo-600 transition-[width] duration-300"
          style={{ width: `${Math.max(running ? 4 : 100, percent)}%` }}
        />
      </div>
      <p className="flex justify-between gap-3 text-xs text-gray-600">
        <span>{running ? `${phase}…` : 'Check finished'}</span>
        {check && check.counts.checked > 0 && (
          <span className="tabular-nums">{check.counts.checked} customers checked</span>
        )}
      </p>
    </div>
  );
}

const demoApps: { value: DemoApp; label: string; description: string }[] = [
  {
    value: 'sql',
    label: 'SQL tables',
    description: 'Approve a repair and watch ParityRail write it, re-check and verify it.',
  },
  {
    value: 'clerk',
    label: 'Clerk',
    description: 'Follow a guided fix: play the edit in the demo’s Clerk, then re-run the check.',
  },
];

/** Which demo app to explore: where Acme keeps access, like your own app does. */
export function DemoAppPicker({ value, onChange }: { value: DemoApp; onChange: (v: DemoApp) => void }) {
  const id = useId();
  return (
    <fieldset>
      <legend className="text-sm font-medium text-gray-900">The demo app keeps access in</legend>
      <div className="mt-2 space-y-2">
        {demoApps.map((o) => (
          <label
            key={o.value}
            htmlFor={`${id}-${o.value}`}
            className={`flex cursor-pointer gap-3 rounded-md border p-3 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-indigo-600 ${
              value === o.value ? 'border-indigo-600 ring-1 ring-indigo-600' : 'border-gray-200 hover:border-gray-300'
            }`}
          >
            <input
              id={`${id}-${o.value}`}
              type="radio"
              name={`${id}-demo-app`}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              aria-labelledby={`${id}-${o.value}-label`}
              aria-describedby={`${id}-${o.value}-desc`}
              className="mt-0.5 size-4 shrink-0 accent-indigo-600 focus-visible:outline-none"
            />
            <span>
              <span id={`${id}-${o.value}-label`} className="block font-medium text-gray-900">
                {o.label}
              </span>
              <span id={`${id}-${o.value}-desc`} className="mt-0.5 block text-xs leading-5 text-gray-500">
                {o.description}
              </span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * "Explore with demo data": creates the demo project (on the SQL app unless
 * told otherwise: there the whole loop, approve → write → verify, runs),
 * shows its first check's progress and opens its dashboard when it ends.
 */
export function ExploreDemoButton({
  variant = 'primary',
  className,
  app = 'sql',
}: {
  variant?: 'primary' | 'secondary';
  className?: string;
  app?: DemoApp;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [started, setStarted] = useState<DemoStarted | null>(null);
  const create = useMutation({
    mutationFn: () => api.createDemoProject(app),
    onSuccess: (res) => {
      queryClient.setQueryData(['projects', res.project.id], res.project);
      queryClient.invalidateQueries({ queryKey: ['projects'], exact: true });
      setStarted(res);
    },
  });
  const check = useCheckUntilDone(started);
  const ended = started && check.data && check.data.status !== 'running' ? check.data : null;
  const failed = ended && ended.status !== 'finished';

  // The first check ended: on to the dashboard.
  const doneProject = ended && !failed && started ? started.project.id : null;
  const opened = ended?.counts.opened ?? 0;
  const resetCreate = create.reset;
  useEffect(() => {
    if (!doneProject) return;
    setStarted(null);
    resetCreate();
    toast.success(`Demo project ready — ${opened} incidents found`);
    navigate(`/projects/${doneProject}`);
  }, [doneProject, opened, navigate, resetCreate]);

  const open = create.isPending || started !== null || create.isError;
  function close() {
    if (started) navigate(`/projects/${started.project.id}`);
    setStarted(null);
    create.reset();
  }

  return (
    <>
      <Button variant={variant} className={className} busy={open && !create.isError} busyLabel="Setting up the demo…" onClick={() => create.mutate()}>
        <Sparkles aria-hidden className="size-4" />
        Explore with demo data
      </Button>
      <Modal
        open={open}
        onOpenChange={(o) => !o && close()}
        title="Setting up the demo project"
        description={`A sample SaaS, Acme Analytics: its Stripe account and its app (access kept in ${
          app === 'sql' ? 'SQL tables' : 'Clerk'
        }), which gets access wrong in every way ParityRail catches. No account needed.`}
      >
        <div className="space-y-4">
          {create.isError ? (
            <ErrorAlert message={`${errorMessage(create.error)} Try again, or set up your own project.`} />
          ) : failed ? (
            <ErrorAlert
              message={`The first check failed: ${ended.error || 'no reason given'}. Open the project to run it again.`}
            />
          ) : (
            <CheckProgress check={started ? check.data : undefined} label="First check of the demo project" />
          )}
          <div className="flex justify-end gap-2">
            {create.isError ? (
              <>
                <ModalClose asChild>
                  <Button variant="secondary">Close</Button>
                </ModalClose>
                <Button onClick={() => create.mutate()}>Try again</Button>
              </>
            ) : (
              started && (
                <Button variant={failed ? 'primary' : 'secondary'} onClick={close}>
                  {failed ? 'Open the project' : 'Open it now'}
                </Button>
              )
            )}
          </div>
        </div>
      </Modal>
    </>
  );
}

/**
 * "Reset demo data" (admins): puts the demo world back as it started and
 * runs a fresh full check, after a confirmation.
 */
export function ResetDemoButton({ project, className }: { project: Project; className?: string }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [started, setStarted] = useState<DemoStarted | null>(null);
  const reset = useMutation({
    mutationFn: () => api.resetDemo(project.id),
    onSuccess: (res) => {
      queryClient.setQueryData(['projects', project.id], res.project);
      setStarted(res);
    },
  });
  const check = useCheckUntilDone(started);
  const ended = started && check.data && check.data.status !== 'running' ? check.data : null;

  const resetMutation = reset.reset;
  useEffect(() => {
    if (!ended) return;
    setStarted(null);
    setOpen(false);
    resetMutation();
    // Incidents, checks and the ledger all changed.
    queryClient.invalidateQueries({ queryKey: ['projects', project.id] });
    if (ended.status === 'finished') {
      toast.success('Demo data reset — the fresh check finished');
    } else {
      toast.error(`Demo data reset, but the fresh check failed: ${ended.error || 'no reason given'}. Run a check again.`);
    }
  }, [ended, project.id, queryClient, resetMutation]);

  return (
    <>
      <Button variant="secondary" size="sm" className={className} onClick={() => setOpen(true)}>
        <RotateCcw aria-hidden className="size-4" />
        Reset demo data
      </Button>
      <Modal
        open={open}
        onOpenChange={(o) => {
          if (!o && !reset.isPending && !started) {
            setOpen(false);
            reset.reset();
          }
        }}
        role="alertdialog"
        title="Reset demo data?"
        description="The demo Stripe account and app go back to how they started — anything you fixed or repaired in them comes back — and the demo mapping is restored. A fresh full check then runs: incidents it still finds stay open, the others are resolved. Nothing is deleted; the Access Ledger keeps every entry."
      >
        <div className="space-y-4">
          {started && <CheckProgress check={check.data} label="Fresh check of the demo project" />}
          {reset.isError && <ErrorAlert message={errorMessage(reset.error)} />}
          {!started && (
            <div className="flex justify-end gap-2">
              <ModalClose asChild>
                <Button variant="secondary" disabled={reset.isPending}>
                  Cancel
                </Button>
              </ModalClose>
              <Button busy={reset.isPending} busyLabel="Resetting…" onClick={() => reset.mutate()}>
                Reset demo data
              </Button>
            </div>
          )}
        </div>
      </Modal>
    </>
  );
}
