// /projects/:projectId/settings — the project's notifications: channels,
// the delivery log and the weekly digest as it will arrive. Members see
// them; admins change them.
import { Link } from 'react-router';
import { ChannelsManager, DeliveryLog, DigestPanel } from '../../components/Notifications';
import { hasRole, useMe } from '../../session';
import { useProject } from './ProjectLayout';

export function SettingsPage() {
  const project = useProject();
  const me = useMe();
  const canEdit = hasRole(me.data, 'admin');
  return (
    <div className="space-y-10">
      <section aria-labelledby="notify-heading">
        <h2 id="notify-heading" className="text-base font-semibold text-gray-900">
          Notifications
        </h2>
        <p className="mb-4 mt-1 text-sm text-gray-600">
          Who is told when a check opens incidents, when scheduled checks keep failing, and every week. One message per
          check, not one per incident. Email goes through the mail server in{' '}
          <Link to="/settings/email" className="font-medium text-indigo-700 hover:underline">
            Settings → Email
          </Link>
          .
        </p>
        <ChannelsManager project={project} canEdit={canEdit} />
      </section>
      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading" className="mb-4 text-base font-semibold text-gray-900">
          Delivery log
        </h2>
        <DeliveryLog projectId={project.id} />
      </section>
      <section aria-labelledby="digest-heading">
        <h2 id="digest-heading" className="text-base font-semibold text-gray-900">
          Weekly digest
        </h2>
        <p className="mb-4 mt-1 text-sm text-gray-600">
          Sent on the digest schedule (Mondays 08:00 UTC unless changed on step 8) to channels that chose it. This is this
          week's, as the email will look.
        </p>
        <DigestPanel projectId={project.id} canEdit={canEdit} />
      </section>
    </div>
  );
}
