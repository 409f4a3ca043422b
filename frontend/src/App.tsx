// Routes and the two guards: the first-run setup gate (while the workspace
// has no owner, everything leads to /setup) and the session guard (no
// session → /login, remembering where the person was going).
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { errorMessage } from './api';
import { AppShell, AuthFrame } from './components/AppShell';
import { ErrorState, LoadingState } from './components/ui';
import { useMe, useSetupStatus } from './session';
import { InvitePage } from './pages/InvitePage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OnboardingPage } from './pages/OnboardingPage';
import { ChecksPage } from './pages/project/ChecksPage';
import { CheckPage } from './pages/project/CheckPage';
import { DashboardPage } from './pages/project/DashboardPage';
import { ProjectLayout } from './pages/project/ProjectLayout';
import { ProjectsPage } from './pages/ProjectsPage';
import { SetupPage } from './pages/SetupPage';
import { TeamPage } from './pages/TeamPage';
import { AccountPage } from './pages/AccountPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { EmailSettingsPage } from './pages/EmailSettingsPage';
import { SettingsPage } from './pages/project/SettingsPage';
import { WelcomePage } from './pages/WelcomePage';
import { IncidentsPage } from './pages/incidents/IncidentsPage';
import { IncidentPage } from './pages/incidents/IncidentPage';
import { CustomerPage } from './pages/customers/CustomerPage';

function FullPageLoading() {
  return (
    <div className="flex min-h-screen items-center justify-center">
      <LoadingState />
    </div>
  );
}

function FullPageError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <AuthFrame title="ParityRail is not answering">
      <ErrorState title="Could not reach the server" message={message} onRetry={onRetry} />
    </AuthFrame>
  );
}

function SetupGate() {
  const setup = useSetupStatus();
  const location = useLocation();
  if (setup.isPending) return <FullPageLoading />;
  if (setup.isError) return <FullPageError message={errorMessage(setup.error)} onRetry={() => setup.refetch()} />;
  const onSetup = location.pathname === '/setup';
  if (setup.data.required && !onSetup) return <Navigate to="/setup" replace />;
  if (!setup.data.required && onSetup) return <Navigate to={setup.data.just_created ? '/welcome' : '/projects'} replace />;
  return <Outlet />;
}

function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <FullPageLoading />;
  if (me.isError) return <FullPageError message={errorMessage(me.error)} onRetry={() => me.refetch()} />;
  if (!me.data) {
    const next = location.pathname + location.search;
    const to = next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
    return <Navigate to={to} replace />;
  }
  return (
    <AppShell user={me.data}>
      <Outlet />
    </AppShell>
  );
}

/** Unknown paths: inside the app frame when signed in, bare otherwise. */
function NotFoundRoute() {
  const me = useMe();
  if (me.isPending) return <FullPageLoading />;
  if (me.data) {
    return (
      <AppShell user={me.data}>
        <NotFoundPage />
      </AppShell>
    );
  }
  return (
    <AuthFrame title="Page not found">
      <NotFoundPage bare />
    </AuthFrame>
  );
}

export function App() {
  return (
    <Routes>
      <Route element={<SetupGate />}>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/invite/:token" element={<InvitePage />} />
        <Route element={<RequireAuth />}>
          <Route index element={<Navigate to="/projects" replace />} />
          <Route path="/projects" element={<ProjectsPage />} />
          {/* An onboarded project's pages; the dashboard sends the others to the wizard. */}
          <Route path="/projects/:projectId" element={<ProjectLayout />}>
            <Route index element={<DashboardPage />} />
            <Route path="checks" element={<ChecksPage />} />
            <Route path="checks/:checkId" element={<CheckPage />} />
            <Route path="incidents" element={<IncidentsPage />} />
            <Route path="incidents/:incidentId" element={<IncidentPage />} />
            <Route path="customers/:customerId" element={<CustomerPage />} />
            <Route path="settings" element={<SettingsPage />} />
          </Route>
          <Route path="/projects/:projectId/onboarding" element={<OnboardingPage />} />
          <Route path="/projects/:projectId/onboarding/:step" element={<OnboardingPage />} />
          <Route path="/settings/team" element={<TeamPage />} />
          <Route path="/settings/account" element={<AccountPage />} />
          <Route path="/settings/api-keys" element={<ApiKeysPage />} />
          <Route path="/settings/email" element={<EmailSettingsPage />} />
          <Route path="/welcome" element={<WelcomePage />} />
        </Route>
        <Route path="*" element={<NotFoundRoute />} />
      </Route>
    </Routes>
  );
}
