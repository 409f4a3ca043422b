// The onboarding wizard's left rail: eight numbered steps, each with the
// server's hint and a done/current/todo state. State is shown with colour and
// an icon, and spelled out for assistive tech (aria-current + hidden text).
// Narrower than lg, the rail folds into StepCounter.
import * as Collapsible from '@radix-ui/react-collapsible';
import { ChevronDown, CircleCheck } from 'lucide-react';
import { Link } from 'react-router';
import type { OnboardingStep } from '../types';
import { cx, VisuallyHidden } from './ui';

const stateText: Record<OnboardingStep['state'], string> = {
  done: '(done)',
  current: '(current step)',
  todo: '(to do)',
};

interface RailProps {
  steps: OnboardingStep[];
  /** The step shown in the main panel. */
  viewing: number;
  hrefFor: (n: number) => string;
}

const badgeClass: Record<OnboardingStep['state'], string> = {
  done: 'bg-emerald-50 text-emerald-700 ring-1 ring-emerald-600/30',
  current: 'bg-indigo-600 text-white',
  todo: 'bg-white text-gray-500 ring-1 ring-gray-300',
};

export function StepRail({ steps, viewing, hrefFor }: RailProps) {
  return (
    <nav aria-label="Onboarding steps">
      <ol className="space-y-1">
        {steps.map((step) => {
          const isViewing = step.number === viewing;
          return (
            <li key={step.number} data-state={step.state}>
              <Link
                to={hrefFor(step.number)}
                aria-current={step.state === 'current' ? 'step' : undefined}
                className={cx(
                  'group flex items-start gap-3 rounded-lg px-3 py-2.5 transition-colors',
                  isViewing ? 'bg-white shadow-xs ring-1 ring-gray-200' : 'hover:bg-white/70',
                )}
              >
                <span
                  className={cx(
                    'mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold',
                    badgeClass[step.state],
                  )}
                >
                  <VisuallyHidden>Step </VisuallyHidden>
                  {step.number}
                </span>
                <span className="min-w-0 flex-1">
                  <span className="flex items-center gap-1.5">
                    <span
                      className={cx(
                        'text-sm font-medium',
                        step.state === 'current' ? 'text-indigo-700' : 'text-gray-900',
                        step.state === 'todo' && 'text-gray-700',
                      )}
                    >
                      {step.title}
                    </span>
                    {step.state === 'done' && (
                      <CircleCheck
                        aria-hidden
                        data-testid="step-done-icon"
                        className="size-4 shrink-0 text-emerald-600"
                      />
                    )}
                    <VisuallyHidden>{stateText[step.state]}</VisuallyHidden>
                  </span>
                  <span className="mt-0.5 block text-xs leading-5 text-gray-500">{step.hint}</span>
                </span>
              </Link>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/**
 * The rail on a phone: one line, "Step 3 of 8 · Database", that opens the
 * whole rail — so the step itself starts near the top of the screen, not
 * below eight steps and their hints.
 */
export function StepCounter({ steps, viewing, hrefFor }: RailProps) {
  const step = steps.find((s) => s.number === viewing);
  const done = steps.filter((s) => s.state === 'done').length;
  return (
    // Keyed by the step, so following a link in the open rail folds it again.
    <Collapsible.Root key={viewing} className="rounded-lg border border-gray-200 bg-white shadow-xs">
      <Collapsible.Trigger className="group flex w-full items-center gap-3 rounded-lg px-3 py-2.5 text-left focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
        {step && (
          <span
            aria-hidden
            className={cx(
              'flex size-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold',
              badgeClass[step.state],
            )}
          >
            {step.number}
          </span>
        )}
        <span className="min-w-0 flex-1">
          <span data-testid="step-counter" className="block text-sm font-medium text-gray-900">
            {step ? `Step ${step.number} of ${steps.length} · ${step.title}` : `${steps.length} steps`}
          </span>
          <span className="block text-xs text-gray-500">
            {done} of {steps.length} done · all steps
          </span>
        </span>
        <ChevronDown
          aria-hidden
          className="size-4 shrink-0 text-gray-500 transition-transform group-data-[state=open]:rotate-180"
        />
      </Collapsible.Trigger>
      <Collapsible.Content className="border-t border-gray-100 p-1">
        <StepRail steps={steps} viewing={viewing} hrefFor={hrefFor} />
      </Collapsible.Content>
    </Collapsible.Root>
  );
}
