// Small building blocks so every page looks and behaves the same.
import {
  useId,
  useState,
  type ButtonHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react';
import { AlertCircle, AlertTriangle, Check, Copy, Eye, EyeOff, Info, Loader2, Trash2 } from 'lucide-react';
import { toast } from 'sonner';
import * as Tooltip from '@radix-ui/react-tooltip';
import { errorMessage, fieldErrors } from '../api';

export function cx(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(' ');
}

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

const variants: Record<Variant, string> = {
  primary:
    'bg-indigo-600 text-white shadow-sm hover:bg-indigo-500 disabled:bg-indigo-300',
  secondary:
    'bg-white text-gray-900 shadow-sm ring-1 ring-inset ring-gray-300 hover:bg-gray-50 disabled:text-gray-400',
  danger: 'bg-red-600 text-white shadow-sm hover:bg-red-500 disabled:bg-red-300',
  ghost: 'text-gray-700 hover:bg-gray-100 hover:text-gray-900 disabled:text-gray-400',
};

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: 'sm' | 'md';
  busy?: boolean;
  busyLabel?: string;
}

export function Button({
  variant = 'primary',
  size = 'md',
  busy = false,
  busyLabel,
  className,
  children,
  disabled,
  type = 'button',
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={cx(
        'inline-flex items-center justify-center gap-1.5 whitespace-nowrap rounded-md font-medium transition-colors disabled:cursor-not-allowed',
        size === 'sm' ? 'px-2.5 py-1.5 text-sm' : 'px-3.5 py-2 text-sm',
        variants[variant],
        className,
      )}
      {...rest}
    >
      {busy && <Loader2 aria-hidden className="size-4 animate-spin" />}
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}

/**
 * The red bin that opens a "remove this?" confirmation. label names what goes
 * ("Remove Ada"); text, when given, shows beside the bin from sm up.
 */
export function RemoveButton({ label, text, onClick }: { label: string; text?: string; onClick: () => void }) {
  return (
    <Button
      variant="ghost"
      size="sm"
      aria-label={label}
      onClick={onClick}
      className="text-red-700 hover:bg-red-50 hover:text-red-800"
    >
      <Trash2 aria-hidden className="size-4" />
      {text && <span className="hidden sm:inline">{text}</span>}
    </Button>
  );
}

export interface TextFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  description?: ReactNode;
}

export const inputClass =
  'block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-gray-900 shadow-sm ring-1 ring-inset ring-gray-300 placeholder:text-gray-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 focus-visible:outline-none disabled:bg-gray-50 disabled:text-gray-500';

/** A form control's name above it; for a select or textarea, pair it with the control's id. */
export function FieldLabel({ htmlFor, children }: { htmlFor: string; children: ReactNode }) {
  return (
    <label htmlFor={htmlFor} className="block text-sm font-medium text-gray-900">
      {children}
    </label>
  );
}

/** The server's message under the field it names (a 400 with error.field). */
export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="mt-1.5 text-xs font-medium text-red-700">
      {children}
    </p>
  );
}

/** What a control of Field gets: its ids, and its class, red when the server named it. */
interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
  className: string;
}

/**
 * A labelled control with, under it, the server's message for it and then
 * its hint, both tied to it by aria-describedby (TextField, SelectField).
 */
function Field({
  label,
  description,
  error,
  className,
  id,
  children,
}: {
  label: string;
  description?: ReactNode;
  error?: string;
  className?: string;
  id?: string;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const descId = description ? inputId + '-desc' : undefined;
  const errId = error ? inputId + '-err' : undefined;
  return (
    <div className={className}>
      <FieldLabel htmlFor={inputId}>{label}</FieldLabel>
      {children({
        id: inputId,
        'aria-describedby': [errId, descId].filter(Boolean).join(' ') || undefined,
        'aria-invalid': error ? true : undefined,
        className: cx('mt-1.5', error ? inputClass.replace('ring-gray-300', 'ring-red-500') : inputClass),
      })}
      {error && <FieldError id={errId}>{error}</FieldError>}
      {description && (
        <p id={descId} className="mt-1.5 text-xs text-gray-500">
          {description}
        </p>
      )}
    </div>
  );
}

export function TextField({ label, description, error, className, id, ...rest }: TextFieldProps & { error?: string }) {
  return (
    <Field label={label} description={description} error={error} className={className} id={id}>
      {(control) => <input {...control} {...rest} />}
    </Field>
  );
}

/** A native select with its label, the server's message and a hint, like TextField. */
export function SelectField({
  label,
  description,
  error,
  className,
  id,
  ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; description?: ReactNode; error?: string }) {
  return (
    <Field label={label} description={description} error={error} className={className} id={id}>
      {(control) => <select {...control} {...rest} />}
    </Field>
  );
}

/**
 * The server's answer to a form when it named no field; an answer that names
 * one shows under that field instead (fieldErrors).
 */
export function FormError({ error }: { error: unknown }) {
  if (!error || fieldErrors(error).field) return null;
  return <ErrorAlert message={errorMessage(error)} />;
}

/**
 * A secret (API key, signing secret): a password input with a show/hide
 * toggle, never autofilled or spell-checked.
 */
export function SecretField({
  label,
  description,
  className,
  id,
  ...rest
}: Omit<TextFieldProps, 'type'>) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const descId = description ? inputId + '-desc' : undefined;
  const [shown, setShown] = useState(false);
  const Icon = shown ? EyeOff : Eye;
  // The toggle is not named after the field, so a lookup by the field's
  // label finds the input alone.
  return (
    <div className={className}>
      <FieldLabel htmlFor={inputId}>{label}</FieldLabel>
      <div className="relative mt-1.5">
        <input
          id={inputId}
          type={shown ? 'text' : 'password'}
          aria-describedby={descId}
          autoComplete="off"
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          className={cx(inputClass, 'pr-10 font-mono')}
          {...rest}
        />
        <button
          type="button"
          onClick={() => setShown((v) => !v)}
          aria-label={shown ? 'Hide secret' : 'Show secret'}
          title={shown ? 'Hide what you typed' : 'Show what you typed'}
          aria-controls={inputId}
          disabled={rest.disabled}
          className="absolute inset-y-0 right-0 flex w-10 items-center justify-center rounded-r-md text-gray-400 hover:text-gray-700 disabled:cursor-not-allowed"
        >
          <Icon aria-hidden className="size-4" />
        </button>
      </div>
      {description && (
        <p id={descId} className="mt-1.5 text-xs leading-5 text-gray-500">
          {description}
        </p>
      )}
    </div>
  );
}

/** A boxed note: info (grey-blue), warning (amber) or success (green). */
export function Notice({
  tone = 'info',
  title,
  children,
  className,
  icon,
}: {
  tone?: 'info' | 'warning' | 'success';
  title?: ReactNode;
  children?: ReactNode;
  className?: string;
  icon?: ReactNode;
}) {
  const styles = {
    info: 'border-gray-200 bg-gray-50 text-gray-700',
    warning: 'border-amber-200 bg-amber-50 text-amber-900',
    success: 'border-emerald-200 bg-emerald-50 text-emerald-900',
  }[tone];
  const iconClass = { info: 'text-gray-400', warning: 'text-amber-600', success: 'text-emerald-600' }[tone];
  const DefaultIcon = tone === 'warning' ? AlertTriangle : tone === 'success' ? Check : Info;
  return (
    <div className={cx('flex items-start gap-2.5 rounded-md border px-3.5 py-3 text-sm', styles, className)}>
      <span aria-hidden className={cx('mt-0.5 shrink-0', iconClass)}>
        {icon ?? <DefaultIcon className="size-4" />}
      </span>
      {/* Notices quote ids, emails and URLs: a long one wraps rather than widen a phone's page. */}
      <div className="min-w-0 flex-1 space-y-1 leading-6 [overflow-wrap:anywhere]">
        {title && <p className="font-medium">{title}</p>}
        {children}
      </div>
    </div>
  );
}

/** Test vs live, the way Stripe's dashboard shows it. */
export function ModeBadge({ mode }: { mode: 'test' | 'live' }) {
  return mode === 'live' ? (
    <span className="inline-flex items-center rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-600/20">
      Live mode
    </span>
  ) : (
    <span className="inline-flex items-center rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/30">
      Test mode
    </span>
  );
}

export function Card({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div className={cx('rounded-lg border border-gray-200 bg-white shadow-xs', className)}>{children}</div>
  );
}

/** An inline error from the server, announced to assistive tech. */
export function ErrorAlert({ message, className }: { message: string; className?: string }) {
  return (
    <div
      role="alert"
      className={cx(
        'flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2.5 text-sm text-red-800',
        className,
      )}
    >
      <AlertCircle aria-hidden className="mt-0.5 size-4 shrink-0" />
      {/* Messages may name long identifiers (database names, ids): wrap them on phones. */}
      <span className="min-w-0 [overflow-wrap:anywhere]">{message}</span>
    </div>
  );
}

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-2 px-1 py-8 text-sm text-gray-500">
      <Loader2 aria-hidden className="size-4 animate-spin" />
      {label}
    </div>
  );
}

export function ErrorState({
  title = 'Could not load this page',
  message,
  onRetry,
}: {
  title?: string;
  message: string;
  onRetry?: () => void;
}) {
  return (
    <Card className="p-6">
      <h2 className="text-base font-semibold text-gray-900">{title}</h2>
      <ErrorAlert message={message} className="mt-3" />
      {onRetry && (
        <Button variant="secondary" className="mt-4" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Card>
  );
}

/** A query that failed: what could not load, the server's message, and Try again. */
export function QueryError({ title, query }: { title: string; query: { error: unknown; refetch: () => unknown } }) {
  return <ErrorState title={title} message={errorMessage(query.error)} onRetry={() => query.refetch()} />;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-gray-300 bg-white px-6 py-12 text-center">
      <h2 className="text-sm font-semibold text-gray-900">{title}</h2>
      {children && <div className="mt-2 text-sm text-gray-500">{children}</div>}
    </div>
  );
}

/**
 * A titled part of a page, named for screen readers by its heading; the
 * description, when given, says what the part is for.
 */
export function Section({
  title,
  description,
  children,
}: {
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className="text-base font-semibold text-gray-900">
        {title}
      </h2>
      {description && <p className="mb-4 mt-1 text-sm text-gray-600">{description}</p>}
      {children}
    </section>
  );
}

export function RoleBadge({ role }: { role: string }) {
  const styles: Record<string, string> = {
    owner: 'bg-indigo-50 text-indigo-700 ring-indigo-600/20',
    admin: 'bg-sky-50 text-sky-700 ring-sky-600/20',
    member: 'bg-gray-50 text-gray-600 ring-gray-500/20',
  };
  return (
    <span
      className={cx(
        'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium capitalize ring-1 ring-inset',
        styles[role] ?? styles.member,
      )}
    >
      {role}
    </span>
  );
}

export function VisuallyHidden({ children }: { children: ReactNode }) {
  return <span className="sr-only">{children}</span>;
}

/** Copies with the async clipboard API, falling back to a hidden textarea. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the old way
  }
  try {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    document.body.removeChild(ta);
    return ok;
  } catch {
    return false;
  }
}

export function CopyButton({
  value,
  label = 'Copy',
  what = 'Value',
  iconOnly = false,
}: {
  value: string;
  label?: string;
  what?: string;
  iconOnly?: boolean;
}) {
  const [copied, setCopied] = useState(false);
  async function onCopy() {
    if (await copyText(value)) {
      setCopied(true);
      toast.success(`${what} copied`);
      window.setTimeout(() => setCopied(false), 2000);
    } else {
      toast.error('Copying is blocked in this browser. Select the text and copy it by hand.');
    }
  }
  const Icon = copied ? Check : Copy;
  if (iconOnly) {
    return (
      <Tooltip.Root>
        <Tooltip.Trigger asChild>
          <button
            type="button"
            onClick={onCopy}
            aria-label={label}
            className="inline-flex size-6 items-center justify-center rounded text-gray-400 hover:bg-gray-100 hover:text-gray-700"
          >
            <Icon aria-hidden className="size-3.5" />
          </button>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content
            sideOffset={4}
            className="rounded bg-gray-900 px-2 py-1 text-xs text-white shadow"
          >
            {copied ? 'Copied' : label}
            <Tooltip.Arrow className="fill-gray-900" />
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
    );
  }
  return (
    <Button variant="secondary" onClick={onCopy}>
      <Icon aria-hidden className="size-4" />
      {label}
    </Button>
  );
}

/** An id such as prj_… in monospace with a copy button. */
export function Mono({ value, copy = true, what = 'Id' }: { value: string; copy?: boolean; what?: string }) {
  return (
    <span className="inline-flex items-center gap-1">
      <code className="font-mono text-xs text-gray-500">{value}</code>
      {copy && <CopyButton value={value} iconOnly label={`Copy ${what.toLowerCase()}`} what={what} />}
    </span>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-gray-900">{title}</h1>
        {description && <div className="mt-1 text-sm text-gray-500">{description}</div>}
      </div>
      {actions && <div className="flex max-w-full shrink-0 flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

/** Marks a project running on the built-in demo world, everywhere it appears. */
export function DemoBadge({ className }: { className?: string }) {
  return (
    <span
      className={cx(
        'inline-flex items-center rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-700 ring-1 ring-inset ring-violet-600/20',
        className,
      )}
    >
      Demo
    </span>
  );
}

/**
 * A value shown once (an invite link, an API key, a signing secret): the
 * heading, the value selectable in a read-only field, Copy, and a note.
 */
export function ShownOnce({
  heading,
  label,
  value,
  copyLabel,
  what,
  note,
  className,
}: {
  heading: ReactNode;
  label: string;
  value: string;
  copyLabel: string;
  what: string;
  note: ReactNode;
  className?: string;
}) {
  return (
    <div className={cx('rounded-lg border border-amber-300 bg-amber-50 p-4', className)} aria-live="polite">
      <p className="flex items-center gap-2 text-sm font-medium text-gray-900">{heading}</p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <input
          readOnly
          aria-label={label}
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full min-w-0 rounded-md border-0 bg-white px-3 py-2 font-mono text-xs text-gray-800 ring-1 ring-inset ring-gray-300"
        />
        <CopyButton value={value} label={copyLabel} what={what} />
      </div>
      <p className="mt-2 text-xs text-gray-600">{note}</p>
    </div>
  );
}
