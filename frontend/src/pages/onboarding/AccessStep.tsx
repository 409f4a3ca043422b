// Step 6 "Access mapping": which app fields say who has paid access — Clerk
// metadata paths (AccessStepClerk.tsx) or Postgres columns
// (AccessStepPostgres.tsx), after the project's access-state source.
import { ClerkAccess } from './AccessStepClerk';
import { PostgresAccess } from './AccessStepPostgres';
import { DemoSQLMapped, PerAccessSource, type StepProps } from './shared';

export function AccessStep(props: StepProps) {
  return (
    <PerAccessSource
      {...props}
      clerk={<ClerkAccess {...props} />}
      postgres={<PostgresAccess {...props} />}
      demoSQL={<DemoSQLMapped project={props.project} step={6} base={props.base} goTo={props.goTo} />}
    />
  );
}
