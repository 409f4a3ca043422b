// The dashboard's dense table: a card that scrolls sideways on phones, a
// screen-reader caption, a grey header row, rows split by hairlines. Pages
// name the columns and render the rows.
import type { ReactNode } from 'react';
import { Card, cx } from './ui';

export interface Column {
  /** The header's text; with srOnly, the name screen readers give the column. */
  label: string;
  /** Extra classes, e.g. 'hidden sm:table-cell' to drop the column on phones. */
  className?: string;
  /** A column of buttons: its name is read out, not shown. */
  srOnly?: boolean;
}

/** A body cell's padding and alignment in a table of normal density. */
export const cellClass = 'px-4 py-3 align-middle';

export function DataTable({
  caption,
  columns,
  compact = false,
  className,
  children,
}: {
  /** The table's accessible name, read by screen readers only. */
  caption?: string;
  columns: Column[];
  /** Shorter header rows, for long logs. */
  compact?: boolean;
  className?: string;
  /** The body's rows. */
  children: ReactNode;
}) {
  return (
    <Card className={cx('overflow-hidden', className)}>
      {/* relative: the screen-reader-only labels stay inside the scroll area */}
      <div className="relative overflow-x-auto">
        <table className="min-w-full divide-y divide-gray-200 text-sm">
          {caption && <caption className="sr-only">{caption}</caption>}
          <thead className="bg-gray-50">
            <tr>
              {columns.map((col) => (
                <th
                  key={col.label}
                  scope="col"
                  className={cx(
                    'px-4 text-left text-xs font-medium uppercase tracking-wide text-gray-500',
                    compact ? 'py-2.5' : 'py-3',
                    col.className,
                  )}
                >
                  {col.srOnly ? <span className="sr-only">{col.label}</span> : col.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">{children}</tbody>
        </table>
      </div>
    </Card>
  );
}
