// The proposed repair of an incident, read-only: each mapped field's value
// now and the value that keeps the promise, and why. (The repairs work
// replaces this section with approval and the guided fix.)
import type { IncidentDetail } from '../../types';
import { Section, fieldLabel } from './display';

function valueText(v: unknown): string {
  if (v === undefined || v === null || v === '') return 'not set';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function RepairSection({ incident }: { incident: IncidentDetail }) {
  // A resolved incident needs nothing; an ignored one was judged intentional.
  const settled = incident.status === 'resolved' || incident.status === 'ignored';
  const repair = settled ? null : incident.repair;
  return (
    <Section
      title="Proposed repair"
      description={
        repair
          ? 'What would make the app keep the promise. Nothing is written to your app from this page.'
          : undefined
      }
    >
      {settled ? (
        <p className="text-sm text-gray-600">
          {incident.status === 'resolved'
            ? 'Nothing to repair: the app keeps the promise now.'
            : 'Nothing to repair: this gap was marked intentional.'}
        </p>
      ) : !repair ? (
        <p className="text-sm text-gray-600">
          No automatic change fits this incident: a person has to decide (for example, which account this customer is,
          or which plan an unmapped price means).
        </p>
      ) : (
        <div className="space-y-3">
          <ul aria-label="Field changes" className="divide-y divide-gray-100 rounded-md border border-gray-200 text-sm">
            {repair.fields.map((f) => (
              <li key={f.field + f.path} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-3 py-2">
                <span className="min-w-32 font-medium text-gray-900">
                  {fieldLabel[f.field] ?? f.field}{' '}
                  <code className="font-mono text-xs font-normal text-gray-500">{f.path}</code>
                </span>
                <span className="font-mono text-xs">
                  <span className="rounded bg-red-50 px-1.5 py-0.5 text-red-800 line-through decoration-red-400">{valueText(f.before)}</span>
                  <span aria-hidden className="px-2 text-gray-400">→</span>
                  <span className="sr-only"> becomes </span>
                  <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-emerald-800">{valueText(f.after)}</span>
                </span>
              </li>
            ))}
          </ul>
          <p className="text-sm text-gray-700">
            <span className="font-medium text-gray-900">Why: </span>
            {repair.reason}
          </p>
          <p className="text-xs text-gray-500">
            On {repair.subject_kind === 'row' ? `row ${repair.table ?? ''}#${repair.subject_id}` : `${repair.subject_kind} ${repair.subject_id}`}.
          </p>
        </div>
      )}
    </Section>
  );
}
