// The grant policy on the project's Settings page: each rule with a line
// saying what it does, a preview of what a change would resolve and open
// (judged from what the last checks read, without calling Stripe), then
// Save. Admins edit; everyone else reads.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage, fieldErrors } from '../../api';
import { QueryGate } from '../../components/QueryGate';
import { Button, Card, FieldLabel, Notice, Section, TextField } from '../../components/ui';
import { SeverityPill, kindName } from '../../components/incident';
import { formatDateTime } from '../../format';
import { policyFields, policyRows, type PolicyNumber } from '../../policy';
import type { Policy, PolicyPreview, PolicyUpdate, PolicyView, PreviewExample, Project } from '../../types';

type Numbers = Record<PolicyNumber, string>;

function numbersOf(p: Policy): Numbers {
  return {
    past_due_grace_days: String(p.past_due_grace_days),
    incomplete_pending_hours: String(p.incomplete_pending_hours),
    trial_tolerance_hours: String(p.trial_tolerance_hours),
  };
}

export function PolicySection({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const key = ['projects', project.id, 'policy'];
  const q = useQuery({ queryKey: key, queryFn: () => api.getPolicy(project.id) });
  return (
    <Section
      title="Grant policy"
      description={
        <>
          What each Stripe subscription state promises. Every incident names the policy version it was judged under; a
          change applies from the next check.
        </>
      }
    >
      <QueryGate query={q} loading="Loading the policy…" failed="Could not load the policy">
        {(view) => (
          // Keyed by version: a saved policy starts a fresh form.
          <PolicyForm key={view.version} project={project} view={view} canEdit={canEdit} queryKey={key} />
        )}
      </QueryGate>
    </Section>
  );
}

function PolicyForm({
  project,
  view,
  canEdit,
  queryKey,
}: {
  project: Project;
  view: PolicyView;
  canEdit: boolean;
  queryKey: string[];
}) {
  const queryClient = useQueryClient();
  const [flags, setFlags] = useState<Policy>(view.policy);
  const [numbers, setNumbers] = useState<Numbers>(numbersOf(view.policy));
  const [localError, setLocalError] = useState<{ field: string; message: string } | null>(null);

  const preview = useMutation({ mutationFn: (body: PolicyUpdate) => api.previewPolicy(project.id, body) });
  const save = useMutation({
    mutationFn: (body: PolicyUpdate) => api.savePolicy(project.id, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(queryKey, saved);
      toast.success(`Policy saved — now v${saved.version}. The next check judges under it.`);
    },
  });

  const bounds = new Map(view.bounds.map((b) => [b.field, b]));
  const serverErr = save.error ?? preview.error;
  const { field: serverField, on: serverFieldError } = fieldErrors(serverErr);
  const errorOn = (name: string) => (localError?.field === name ? localError.message : serverFieldError(name));

  // The candidate as the API takes it; null (with the field at fault) when
  // a number is missing or out of range.
  function candidate(): PolicyUpdate | null {
    const out: Policy = { ...flags };
    for (const name of Object.keys(numbers) as PolicyNumber[]) {
      const b = bounds.get(name);
      const raw = numbers[name].trim();
      const n = Number(raw);
      if (raw === '' || !Number.isInteger(n) || (b && (n < b.min || n > b.max))) {
        setLocalError({
          field: name,
          message: b ? `Enter a whole number of ${b.unit} from ${b.min} to ${b.max}.` : 'Enter a whole number.',
        });
        return null;
      }
      out[name] = n;
    }
    setLocalError(null);
    return out;
  }

  const unchanged = holdsStored(view.policy, flags, numbers);
  function changed() {
    // A preview answers for the form as it was: any edit makes it stale.
    preview.reset();
    save.reset();
  }
  function onPreview() {
    const body = candidate();
    if (body) preview.mutate(body);
  }
  function onSave(e: FormEvent) {
    e.preventDefault();
    const body = candidate();
    if (body) save.mutate(body);
  }
  function onDefaults() {
    setFlags(view.defaults);
    setNumbers(numbersOf(view.defaults));
    setLocalError(null);
    changed();
  }

  return (
    <Card className="p-4 sm:p-5">
      <p className="text-sm text-gray-700">
        Current policy <code className="font-mono text-xs text-gray-900">v{view.version}</code>
        {!canEdit && <span className="text-gray-500"> · only admins change it</span>}
      </p>
      <form onSubmit={onSave} className="mt-4" aria-label="Grant policy">
        <div className="grid grid-cols-1 gap-x-6 gap-y-5 md:grid-cols-2">
          {policyRows.map((row) => {
            if (row.flag) {
              const name = row.flag;
              const f = policyFields[name];
              const id = `policy-${name}`;
              return (
                <div key={name} className="flex items-start gap-3">
                  <input
                    id={id}
                    type="checkbox"
                    className="mt-0.5 size-4 shrink-0 accent-indigo-600"
                    checked={flags[name]}
                    disabled={!canEdit}
                    aria-describedby={`${id}-help`}
                    onChange={(e) => {
                      setFlags({ ...flags, [name]: e.target.checked });
                      changed();
                    }}
                  />
                  <div className="min-w-0">
                    <FieldLabel htmlFor={id}>{f.label}</FieldLabel>
                    <p id={`${id}-help`} className="mt-0.5 text-xs text-gray-500">
                      {f.help}
                    </p>
                    {errorOn(name) && <p className="mt-1 text-xs font-medium text-red-700">{errorOn(name)}</p>}
                  </div>
                </div>
              );
            }
            const name = row.number!;
            const f = policyFields[name];
            const b = bounds.get(name);
            return (
              <TextField
                key={name}
                label={f.label}
                type="number"
                inputMode="numeric"
                min={b?.min}
                max={b?.max}
                step={1}
                value={numbers[name]}
                disabled={!canEdit || (row.dependsOn !== undefined && !flags[row.dependsOn])}
                description={`${f.help}${b ? ` ${b.min}–${b.max}; default ${view.defaults[name]}.` : ''}`}
                error={errorOn(name)}
                onChange={(e) => {
                  setNumbers({ ...numbers, [name]: e.target.value });
                  changed();
                }}
                className="min-w-0"
              />
            );
          })}
        </div>
        {canEdit && (
          <div className="mt-6 flex flex-wrap items-center gap-3">
            <Button variant="secondary" onClick={onPreview} busy={preview.isPending} busyLabel="Previewing…">
              Preview
            </Button>
            <Button type="submit" busy={save.isPending} busyLabel="Saving…" disabled={unchanged}>
              Save policy
            </Button>
            <Button variant="ghost" onClick={onDefaults}>
              Back to defaults
            </Button>
          </div>
        )}
        {serverErr && !serverField && <p className="mt-3 text-sm text-red-700">{errorMessage(serverErr)}</p>}
      </form>
      {preview.data && <PreviewPanel preview={preview.data} projectId={project.id} />}
    </Card>
  );
}

// holdsStored: the form still holds the stored policy (nothing to save).
function holdsStored(p: Policy, flags: Policy, numbers: Numbers): boolean {
  for (const k of Object.keys(p) as Array<keyof Policy>) {
    if (k in numbers) {
      if (numbers[k as PolicyNumber].trim() !== String(p[k])) return false;
    } else if (flags[k] !== p[k]) {
      return false;
    }
  }
  return true;
}

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

function PreviewPanel({ preview, projectId }: { preview: PolicyPreview; projectId: string }) {
  return (
    <div role="status" aria-label="Policy preview" className="mt-6 border-t border-gray-200 pt-5">
      <p className="text-sm font-medium text-gray-900">
        With this policy, {plural(preview.would_resolve, 'open incident', 'open incidents')} would resolve and{' '}
        {preview.would_open} would open.
      </p>
      <p className="mt-1 text-xs text-gray-500">
        {plural(preview.unchanged, 'open incident stays', 'open incidents stay')} as they are. Judged again from what the
        checks last read of {plural(preview.customers, 'customer', 'customers')} a policy can judge differently
        {preview.read_at ? ` (newest read ${formatDateTime(preview.read_at)})` : ''}, without calling Stripe. Candidate
        version <code className="font-mono">v{preview.version}</code>.
      </p>
      {preview.notes.map((n) => (
        <Notice key={n} tone="info" className="mt-3">
          {n}
        </Notice>
      ))}
      <div className="mt-4 grid grid-cols-1 gap-5 md:grid-cols-2">
        <Examples title="Would resolve" examples={preview.resolve_examples} more={preview.would_resolve} projectId={projectId} />
        <Examples title="Would open" examples={preview.open_examples} more={preview.would_open} projectId={projectId} />
      </div>
    </div>
  );
}

function Examples({
  title,
  examples,
  more,
  projectId,
}: {
  title: string;
  examples: PreviewExample[];
  more: number;
  projectId: string;
}) {
  return (
    <div className="min-w-0">
      <h3 className="text-sm font-semibold text-gray-900">{title}</h3>
      {examples.length === 0 ? (
        <p className="mt-1 text-sm text-gray-500">None.</p>
      ) : (
        <ul className="mt-2 space-y-3" aria-label={title}>
          {examples.map((x) => (
            <li key={`${x.customer_id}/${x.subject ?? ''}/${x.kind}`} className="min-w-0 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <SeverityPill severity={x.severity} />
                <span className="font-medium text-gray-900">{kindName(x.kind)}</span>
                {x.incident_id ? (
                  <Link
                    to={`/projects/${encodeURIComponent(projectId)}/incidents/${encodeURIComponent(x.incident_id)}`}
                    className="break-all font-mono text-xs text-indigo-700 hover:underline"
                  >
                    {x.customer_id || x.subject}
                  </Link>
                ) : (
                  <span className="break-all font-mono text-xs text-gray-600">{x.customer_id || x.subject}</span>
                )}
              </div>
              <p className="mt-1 break-words text-xs text-gray-600">{x.promise}</p>
            </li>
          ))}
          {more > examples.length && <li className="text-xs text-gray-500">and {more - examples.length} more</li>}
        </ul>
      )}
    </div>
  );
}
