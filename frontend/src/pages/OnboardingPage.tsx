// /projects/:projectId/onboarding[/:step] — the wizard: rail on the left,
// the viewed step on the right; on narrower screens a step counter above it.
import { useQuery } from '@tanstack/react-query';
import { CircleCheck, Construction } from 'lucide-react';
import type { ComponentType } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, errorMessage, isApiError } from '../api';
import { StepCounter, StepRail } from '../components/StepRail';
import { Card, ErrorState, LoadingState } from '../components/ui';
import { hasRole, useMe } from '../session';
import type { OnboardingStep } from '../types';
import { AccessStep } from './onboarding/AccessStep';
import { DatabaseStep } from './onboarding/DatabaseStep';
import { ProjectHeading } from './project/ProjectLayout';
import { DryRunStep } from './onboarding/DryRunStep';
import { GoLiveStep } from './onboarding/GoLiveStep';
import { IdentityStep } from './onboarding/IdentityStep';
import { PlansStep } from './onboarding/PlansStep';
import type { StepProps } from './onboarding/shared';
import { StackStep } from './onboarding/StackStep';
import { StripeStep } from './onboarding/StripeStep';
import { projectKey } from './ProjectsPage';

/** Steps 2–8 by number; step 1 (StackStep) is the one that takes other props. */
const laterSteps: Record<number, ComponentType<StepProps>> = {
  2: StripeStep,
  3: DatabaseStep,
  4: IdentityStep,
  5: PlansStep,
  6: AccessStep,
  7: DryRunStep,
  8: GoLiveStep,
};

function NotYetAvailable({ step }: { step: OnboardingStep }) {
  return (
    <div className="flex items-start gap-3 rounded-lg border border-dashed border-gray-300 bg-gray-50 px-4 py-5 text-sm text-gray-600">
      <Construction aria-hidden className="mt-0.5 size-4 shrink-0 text-gray-400" />
      <p>The {step.title} step is not available yet in this build.</p>
    </div>
  );
}

export function OnboardingPage() {
  const { projectId = '', step: stepParam } = useParams();
  const navigate = useNavigate();
  const me = useMe();
  const canEdit = hasRole(me.data, 'admin');
  const project = useQuery({
    queryKey: projectKey(projectId),
    queryFn: () => api.getProject(projectId),
  });

  if (project.isPending) return <LoadingState label="Loading project…" />;
  if (project.isError) {
    return (
      <ErrorState
        title={isApiError(project.error, 404) ? 'Project not found' : 'Could not load this project'}
        message={errorMessage(project.error)}
        onRetry={isApiError(project.error, 404) ? undefined : () => project.refetch()}
      />
    );
  }

  const p = project.data;
  const steps = p.onboarding.steps;
  const total = steps.length;
  const fallback = p.onboarding.current_step || 1;
  const viewing = stepParam === undefined ? fallback : Number(stepParam);
  const step = steps.find((s) => s.number === viewing);
  const base = `/projects/${p.id}/onboarding`;
  const goTo = (n: number) => navigate(`${base}/${n}`);
  const stepProps: StepProps = { project: p, canEdit, base, goTo };
  const StepView = step && laterSteps[step.number];

  return (
    <>
      <ProjectHeading project={p} canEdit={canEdit} className="mb-8">
        {p.onboarded || !p.onboarding.current_step ? (
          <span className="inline-flex items-center gap-1 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-600/20">
            <CircleCheck aria-hidden className="size-3.5" />
            Onboarded
          </span>
        ) : (
          <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-600">
            Onboarding · step {p.onboarding.current_step} of {total}
          </span>
        )}
        {p.onboarded && (
          <Link to={`/projects/${p.id}`} className="text-sm font-medium text-indigo-700 hover:underline">
            Go to the dashboard
          </Link>
        )}
      </ProjectHeading>

      <div className="grid gap-4 lg:grid-cols-[17rem_minmax(0,1fr)] lg:gap-8">
        <aside className="lg:sticky lg:top-6 lg:self-start">
          <div className="hidden lg:block">
            <StepRail steps={steps} viewing={viewing} hrefFor={(n) => `${base}/${n}`} />
          </div>
          <div className="lg:hidden">
            <StepCounter steps={steps} viewing={viewing} hrefFor={(n) => `${base}/${n}`} />
          </div>
        </aside>

        <Card className="min-w-0 p-6 sm:p-10 lg:self-start">
          {!step ? (
            <div>
              <h2 className="text-lg font-semibold text-gray-900">There is no step {stepParam}</h2>
              <p className="mt-2 text-sm text-gray-500">
                The wizard has {total} steps.{' '}
                <Link to={base} className="text-indigo-700 hover:underline">
                  Go to the current step
                </Link>
                .
              </p>
            </div>
          ) : (
            <section aria-labelledby="step-title">
              <p className="text-xs font-medium uppercase tracking-wide text-indigo-600">
                Step {step.number} of {total}
              </p>
              <h2 id="step-title" className="mt-1 text-xl font-semibold tracking-tight text-gray-900">
                {step.title}
              </h2>
              <p className="mt-1 text-sm text-gray-500">{step.hint}</p>
              <div className="mt-8" key={p.id}>
                {step.number === 1 ? (
                  <StackStep key={p.updated_at} project={p} canEdit={canEdit} onSaved={() => goTo(2)} />
                ) : StepView ? (
                  <StepView {...stepProps} />
                ) : (
                  <NotYetAvailable step={step} />
                )}
              </div>
            </section>
          )}
        </Card>
      </div>
    </>
  );
}
