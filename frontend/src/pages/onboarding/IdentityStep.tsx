// Step 4 "Identity mapping": who a customer is in the app. With Clerk it is
// automatic (the Stripe customer id field of step 6 matches), so the step is
// a panel and "Continue".
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, Wand2 } from 'lucide-react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { Button, ErrorAlert } from '../../components/ui';
import type { Project } from '../../types';
import { AdminOnlyNote, LaterBuildNote, refreshProject, StepFooter, StepLink } from './shared';

export function IdentityStep({
  project,
  canEdit,
  base,
  goTo,
}: {
  project: Project;
  canEdit: boolean;
  base: string;
  goTo: (step: number) => void;
}) {
  if (project.access_source === 'clerk' || project.access_source === 'demo') {
    return <ClerkIdentity project={project} canEdit={canEdit} goTo={goTo} />;
  }
  if (project.access_source === 'postgres') {
    return (
      <LaterBuildNote>
        <p>
          For Postgres / Supabase, this step suggests how to match each Stripe customer to a row of your app's table
          from its schema. Schema introspection arrives in a later build of ParityRail, together with connecting
          Postgres on step 3.
        </p>
      </LaterBuildNote>
    );
  }
  return (
    <LaterBuildNote>
      <p>
        Choose where your app keeps access state first.{' '}
        The access-state source is chosen on{' '}
        <StepLink base={base} step={1}>
          step 1 (Stack)
        </StepLink>
        .
      </p>
    </LaterBuildNote>
  );
}

function ClerkIdentity({
  project,
  canEdit,
  goTo,
}: {
  project: Project;
  canEdit: boolean;
  goTo: (step: number) => void;
}) {
  const queryClient = useQueryClient();
  const done = project.onboarding.steps.find((s) => s.number === 4)?.state === 'done';
  // The demo app is Clerk-style: its users and organizations carry the
  // Stripe customer id in their metadata.
  const demo = project.access_source === 'demo';
  const save = useMutation({
    mutationFn: () => api.saveMappings(project.id, { identity: {} }),
    onSuccess: async () => {
      if (!done) toast.success('Identity mapping done');
      await refreshProject(queryClient, project.id);
      goTo(5);
    },
  });

  return (
    <div className="space-y-8">
      <section
        aria-labelledby="auto-match-title"
        className="flex flex-col gap-4 rounded-lg border border-indigo-100 bg-indigo-50/60 p-5 sm:flex-row sm:p-6"
      >
        <span className="flex size-11 shrink-0 items-center justify-center rounded-full bg-white text-indigo-600 shadow-xs ring-1 ring-indigo-100">
          <Wand2 aria-hidden data-testid="wand-icon" className="size-5" />
        </span>
        <div className="min-w-0 space-y-2">
          <h3 id="auto-match-title" className="text-base font-semibold text-gray-900">
            Customer matching is automatic
          </h3>
          <p className="inline-flex items-center rounded-full bg-white px-2.5 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-inset ring-indigo-200">
            {demo ? 'Matched automatically for Demo data' : 'Matched automatically for Clerk'}
          </p>
          <p className="text-sm leading-6 text-gray-700">
            There are no tables or columns to pick. {demo ? 'The demo app (Clerk-style)' : 'Clerk'} matches each user to a Stripe customer by the metadata field
            you set next: the <strong className="font-medium">Stripe customer id</strong> field you map on step 6
            (for example <code className="font-mono text-xs">public_metadata.stripe_customer_id</code>).
          </p>
        </div>
      </section>

      {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
      {canEdit ? (
        <StepFooter>
          <Button busy={save.isPending} busyLabel="Saving…" onClick={() => save.mutate()}>
            Continue
            <ArrowRight aria-hidden className="size-4" />
          </Button>
        </StepFooter>
      ) : (
        <AdminOnlyNote>Only an admin can confirm this step.</AdminOnlyNote>
      )}
    </div>
  );
}
