// A Radix Select for the two roles an admin can hand out. The owner role is
// never offered: nobody can become or replace the owner here.
import * as Select from '@radix-ui/react-select';
import { Check, ChevronDown } from 'lucide-react';
import type { Role } from '../types';
import { cx } from './ui';

const choices: { value: Role; label: string; description: string }[] = [
  { value: 'member', label: 'Member', description: 'Views everything, runs checks, handles incidents.' },
  { value: 'admin', label: 'Admin', description: 'Also connects sources, approves repairs, manages the team.' },
];

export function RoleSelect({
  value,
  onChange,
  id,
  ariaLabel,
  disabled,
  size = 'md',
}: {
  value: Role;
  onChange: (role: Role) => void;
  id?: string;
  ariaLabel?: string;
  disabled?: boolean;
  size?: 'sm' | 'md';
}) {
  return (
    <Select.Root value={value} onValueChange={(v) => onChange(v as Role)} disabled={disabled}>
      <Select.Trigger
        id={id}
        aria-label={ariaLabel}
        className={cx(
          'inline-flex items-center justify-between gap-2 rounded-md bg-white text-sm text-gray-900 shadow-sm ring-1 ring-inset ring-gray-300 hover:bg-gray-50 disabled:cursor-not-allowed disabled:text-gray-400',
          size === 'sm' ? 'min-w-28 px-2.5 py-1.5' : 'mt-1.5 w-full px-3 py-2',
        )}
      >
        <Select.Value />
        <Select.Icon>
          <ChevronDown aria-hidden className="size-4 text-gray-400" />
        </Select.Icon>
      </Select.Trigger>
      <Select.Portal>
        <Select.Content
          position="popper"
          sideOffset={4}
          className="z-50 min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-md border border-gray-200 bg-white p-1 shadow-lg"
        >
          <Select.Viewport>
            {choices.map((c) => (
              <Select.Item
                key={c.value}
                value={c.value}
                className="relative flex cursor-pointer select-none flex-col rounded px-7 py-1.5 text-sm text-gray-900 outline-none data-[highlighted]:bg-indigo-50 data-[highlighted]:text-indigo-900"
              >
                <Select.ItemIndicator className="absolute left-2 top-2">
                  <Check aria-hidden className="size-3.5 text-indigo-600" />
                </Select.ItemIndicator>
                <Select.ItemText>{c.label}</Select.ItemText>
                <span className="text-xs text-gray-500">{c.description}</span>
              </Select.Item>
            ))}
          </Select.Viewport>
        </Select.Content>
      </Select.Portal>
    </Select.Root>
  );
}
