// A Radix Dialog with the app's look. Focus is trapped inside and returns to
// the trigger on close; Escape closes.
import * as Dialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import type { ReactNode } from 'react';
import { errorMessage } from '../api';
import { Button, ErrorAlert } from './ui';

export function Modal({
  open,
  onOpenChange,
  title,
  description,
  children,
  role,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** "alertdialog" for confirmations of destructive actions. */
  role?: 'dialog' | 'alertdialog';
}) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-gray-900/40" />
        <Dialog.Content
          role={role ?? 'dialog'}
          className="fixed left-1/2 top-1/2 z-50 w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-xl bg-white p-6 shadow-xl focus-visible:outline-none"
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <div className="flex items-start justify-between gap-4">
            <Dialog.Title className="text-base font-semibold text-gray-900">{title}</Dialog.Title>
            <Dialog.Close
              aria-label="Close"
              className="-m-1 rounded-md p-1 text-gray-400 hover:bg-gray-100 hover:text-gray-600"
            >
              <X aria-hidden className="size-4" />
            </Dialog.Close>
          </div>
          {description && (
            <Dialog.Description className="mt-2 text-sm text-gray-600">{description}</Dialog.Description>
          )}
          <div className="mt-5">{children}</div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

export const ModalClose = Dialog.Close;

/** A request a modal sends, as TanStack Query's useMutation returns it. */
type ModalMutation = { isPending: boolean; isError: boolean; error: unknown };

/**
 * A modal's last lines: the server's refusal, Cancel, and the button that
 * sends mutation (busy while it runs). Without onConfirm the button submits
 * the modal's form.
 */
export function ModalActions({
  mutation,
  confirmLabel,
  busyLabel,
  danger = false,
  disabled = false,
  onConfirm,
}: {
  mutation: ModalMutation;
  confirmLabel: string;
  busyLabel: string;
  danger?: boolean;
  /** The send button waits for something the form still lacks. */
  disabled?: boolean;
  onConfirm?: () => void;
}) {
  return (
    <>
      {mutation.isError && <ErrorAlert message={errorMessage(mutation.error)} />}
      <div className="flex justify-end gap-2">
        <ModalClose asChild>
          <Button variant="secondary">Cancel</Button>
        </ModalClose>
        <Button
          type={onConfirm ? 'button' : 'submit'}
          variant={danger ? 'danger' : 'primary'}
          disabled={disabled}
          busy={mutation.isPending}
          busyLabel={busyLabel}
          onClick={onConfirm}
        >
          {confirmLabel}
        </Button>
      </div>
    </>
  );
}

/**
 * A confirmation of a destructive action: its consequence, Cancel, and the
 * red button. mutation is the request the red button sends: the button is
 * busy while it runs, a refusal from the server shows inside, and Cancel
 * clears it.
 */
export function ConfirmDialog({
  open,
  onCancel,
  title,
  description,
  confirmLabel,
  busyLabel,
  mutation,
  onConfirm,
}: {
  open: boolean;
  onCancel: () => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  mutation: ModalMutation & { reset: () => void };
  onConfirm: () => void;
}) {
  function cancel() {
    mutation.reset();
    onCancel();
  }
  return (
    <Modal open={open} onOpenChange={(o) => !o && cancel()} role="alertdialog" title={title} description={description}>
      <div className="space-y-4">
        <ModalActions mutation={mutation} confirmLabel={confirmLabel} busyLabel={busyLabel} danger onConfirm={onConfirm} />
      </div>
    </Modal>
  );
}
