// /projects/:projectId/settings — the project's grant policy, its
// notifications (channels, the delivery log, the weekly digest as it will
// arrive) and its Stripe request budget. Members see them; admins change
// them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage, fieldErrors } from '../../api';
import { QueryGate } from '../../components/QueryGate';
import { Button, Card, Notice, Section, TextField } from '../../components/ui';
import type { Project } from '../../types';
import { ChannelsManager, DeliveryLog, DigestPanel } from '../../components/Notifications';
import { hasRole, useMe } from '../../session';
import { PolicySection } from './PolicySection';
import { useProject } from './ProjectLayout';

export function SettingsPage() {
  const project = useProject();
  const me = useMe();
  const canEdit = hasRole(me.data, 'admin');
  return (
    <div className="space-y-10">
      <PolicySection project={project} canEdit={canEdit} />
      <Section
        title="Notifications"
        description={
          <>
            Who is told when a check opens incidents, when scheduled checks keep failing, and every week. One message per
            check, not one per incident. Email goes through the mail server in{' '}
            <Link to="/settings/email" className="font-medium text-indigo-700 hover:underline">
              Settings → Email
            </Link>
            .
          </>
        }
      >
        <ChannelsManager project={project} canEdit={canEdit} />
      </Section>
      <Section title="Delivery log">
        <div className="mt-4">
          <DeliveryLog projectId={project.id} />
        </div>
      </Section>
      <Section
        title="Weekly digest"
        description={
          <>
            Sent on the digest schedule (Mondays 08:00 UTC unless changed on step 8) to channels that chose it. This is this
            week's, as the email will look.
          </>
        }
      >
        <DigestPanel projectId={project.id} canEdit={canEdit} />
      </Section>
      {project.billing_source === 'stripe' && <StripeBudgetSection project={project} canEdit={canEdit} />}
    </div>
  );
}

function StripeBudgetSection({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const key = ['projects', project.id, 'stripe-budget'];
  const budget = useQuery({ queryKey: key, queryFn: () => api.getBudget(project.id) });
  const [value, setValue] = useState('');
  const save = useMutation({
    mutationFn: (rps: number) => api.saveBudget(project.id, rps),
    onSuccess: (b) => {
      queryClient.setQueryData(key, b);
      setValue('');
      toast.success(b.source === 'default' ? 'Stripe budget back to the default' : `Stripe budget set to ${b.rps} requests/s`);
    },
  });
  const err = save.error;
  const fieldErr = fieldErrors(err).on('max_rps');
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate(Number(value));
  }
  return (
    <Section
      title="Stripe request budget"
      description={
        <>
          Stripe allows 25 requests a second in test mode and 100 in live mode, shared with your own app; ParityRail keeps
          to this budget (and at most 20/s on one endpoint), and halves it for 10 s when Stripe says it is busy.
        </>
      }
    >
      <QueryGate query={budget} loading="Loading the budget…" failed="Could not load the budget">
        {(b) => (
          <Card className="p-5">
            <p className="text-sm text-gray-900">
              <span className="text-2xl font-semibold">{b.rps === 0 ? 'No cap' : `${b.rps} requests/s`}</span>{' '}
              <span className="text-gray-600">
                {b.source === 'default'
                  ? `— the default for a ${b.mode} key`
                  : b.source === 'project'
                    ? `— set for this project (default ${b.default_rps}/s)`
                    : '— set by the server'}
              </span>
            </p>
            {b.source === 'environment' ? (
              <Notice tone="info" title="Set by PARITYRAIL_STRIPE_MAX_RPS" className="mt-4">
                The server's environment sets every project's budget and wins over this page; change it there.
              </Notice>
            ) : (
              canEdit && (
                <form onSubmit={onSubmit} className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-start">
                  <TextField
                    label="Requests per second"
                    type="number"
                    min={0}
                    max={100}
                    step="any"
                    placeholder={String(b.rps)}
                    description="0 for the default."
                    value={value}
                    error={fieldErr}
                    onChange={(e) => setValue(e.target.value)}
                    className="sm:w-56"
                  />
                  <Button type="submit" className="sm:mt-7" busy={save.isPending} busyLabel="Saving…" disabled={value === ''}>
                    Save budget
                  </Button>
                </form>
              )
            )}
            {save.isError && !fieldErr && <p className="mt-2 text-sm text-red-700">{errorMessage(err)}</p>}
          </Card>
        )}
      </QueryGate>
    </Section>
  );
}
