import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, signedIn, stubApi } from './test/fakeServer';
import { member, owner, project } from './test/fixtures';
import { location, renderApp } from './test/renderApp';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('routing guards', () => {
  it('sends everyone to /setup while the workspace has no owner', async () => {
    stubApi({ 'GET /api/setup': { status: 200, body: { required: true } } });
    renderApp('/projects');
    expect(await screen.findByRole('heading', { name: 'Create the owner account' })).toBeInTheDocument();
    expect(location.current).toBe('/setup');
  });

  it('sends a signed-out person to /login, remembering where they were going', async () => {
    stubApi({
      'GET /api/setup': { status: 200, body: { required: false } },
      'GET /api/me': apiError(401, 'unauthenticated', 'Sign in first.'),
    });
    renderApp('/settings/team');
    expect(await screen.findByRole('heading', { name: 'Sign in to ParityRail' })).toBeInTheDocument();
    expect(location.current).toBe('/login?next=%2Fsettings%2Fteam');
  });

  it('shows the server message when sign-in fails', async () => {
    const calls = stubApi({
      'GET /api/setup': { status: 200, body: { required: false } },
      'GET /api/me': apiError(401, 'unauthenticated', 'Sign in first.'),
      'POST /api/auth/login': apiError(401, 'invalid_credentials', 'Email or password is incorrect.'),
    });
    renderApp('/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'owner@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Email or password is incorrect.');
    const login = calls.find((c) => c.path === '/api/auth/login')!;
    expect(login.body).toEqual({ email: 'owner@example.com', password: 'wrong' });
    expect(login.headers['X-CSRF-Token']).toBe('tok');
  });
});

describe('top bar', () => {
  it('shows the product, the navigation, the user and their role', async () => {
    stubApi(
      signedIn(owner, {
        'GET /api/projects': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects');
    const banner = await screen.findByRole('banner');
    expect(within(banner).getByRole('link', { name: 'ParityRail' })).toBeInTheDocument();
    const nav = within(banner).getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Projects' })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).getByRole('link', { name: 'Team' })).toBeInTheDocument();
    expect(banner).toHaveTextContent('Olivia Owner');
    expect(banner).toHaveTextContent('owner@example.com');
    expect(banner).toHaveTextContent('owner');
    expect(within(banner).getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
  });
});

describe('projects list', () => {
  it('lists projects with their sources and onboarding progress; members get no "New project"', async () => {
    stubApi(
      signedIn(member, {
        'GET /api/projects': {
          status: 200,
          body: {
            items: [
              project({ id: 'prj_1', name: 'Acme', billing_source: 'demo', access_source: 'clerk' }, 2),
              project({ id: 'prj_2', name: 'Beta', onboarded: true }, 0),
            ],
          },
        },
      }),
    );
    renderApp('/projects');
    const acme = (await screen.findByRole('link', { name: 'Acme' })).closest('tr')!;
    expect(acme).toHaveTextContent('Step 2 of 8');
    expect(acme).toHaveTextContent('Demo data → Clerk');
    expect(acme).toHaveTextContent('prj_1');
    expect(screen.getByRole('link', { name: 'Beta' }).closest('tr')).toHaveTextContent('Onboarded');
    expect(screen.queryByRole('button', { name: 'New project' })).toBeNull();
  });
});
