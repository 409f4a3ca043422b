// The signed-out pages' forms (sign in, the owner's setup, accepting an
// invite): the same name, email and password fields, the server's refusal
// and one full-width submit button.
import type { FormEvent, ReactNode } from 'react';
import { errorMessage } from '../api';
import { Button, ErrorAlert, TextField, cx } from './ui';

/** What ParityRail asks of a new password (the server checks the same). */
export const newPasswordRule = 'At least 12 characters, not a common password.';

export function AuthForm({
  onSubmit,
  mutation,
  submitLabel,
  busyLabel,
  className,
  children,
}: {
  onSubmit: () => void;
  /** The request the form sends: its error shows above the button. */
  mutation: { isPending: boolean; isError: boolean; error: unknown };
  submitLabel: string;
  busyLabel: string;
  className?: string;
  children: ReactNode;
}) {
  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit();
  }
  return (
    <form onSubmit={submit} className={cx('space-y-5', className)}>
      {children}
      {mutation.isError && <ErrorAlert message={errorMessage(mutation.error)} />}
      <Button type="submit" className="w-full" busy={mutation.isPending} busyLabel={busyLabel}>
        {submitLabel}
      </Button>
    </form>
  );
}

interface FieldProps {
  value: string;
  onChange: (value: string) => void;
}

export function NameField({ label, value, onChange }: FieldProps & { label: string }) {
  return (
    <TextField label={label} name="name" autoComplete="name" required value={value} onChange={(e) => onChange(e.target.value)} />
  );
}

/** username when signing in, so password managers pair it with the password. */
export function EmailField({ autoComplete, value, onChange }: FieldProps & { autoComplete: 'username' | 'email' }) {
  return (
    <TextField
      label="Email"
      name="email"
      type="email"
      autoComplete={autoComplete}
      required
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

export function PasswordField({
  autoComplete,
  description,
  value,
  onChange,
}: FieldProps & { autoComplete: 'current-password' | 'new-password'; description?: ReactNode }) {
  return (
    <TextField
      label="Password"
      name="password"
      type="password"
      autoComplete={autoComplete}
      required
      description={description}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
