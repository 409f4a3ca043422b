// The onboarding wizard's left rail: eight numbered steps, each with the
// server's hint and a done/current/todo state. State is shown with colour and
// an icon, and spelled out for assistive tech (aria-current + hidden text).
import { CircleCheck } from 'lucide-react';
import { Link } from 'react-router';
import type { OnboardingStep } from '../types';
import { cx, VisuallyHidden } from './ui';

const stateText: Record<OnboardingStep['state'], string> = {
  done: '(done)',
  current: '(current step)',
  todo: '(to do)',
};

export function StepRail({
  steps,
  viewing,
  hrefFor,
}: {
  steps: OnboardingStep[];
  /** The step shown in the main panel. */
  viewing: number;
  hrefFor: (n: number) => string;
}) {
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
                    step.state === 'done' && 'bg-emerald-50 text-emerald-700 ring-1 ring-emerald-600/30',
                    step.state === 'current' && 'bg-indigo-600 text-white',
                    step.state === 'todo' && 'bg-white text-gray-500 ring-1 ring-gray-300',
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
