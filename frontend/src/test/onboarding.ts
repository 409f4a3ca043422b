// Routes every onboarding page test needs: setup done, the signed-in user
// and the project.
import type { Project, User } from '../types';
import type { Answer, Handler } from './fakeServer';

export function pageRoutes(
  p: Project | (() => Project),
  me: User,
  extra: Record<string, Handler | Answer> = {},
): Record<string, Handler | Answer> {
  const id = typeof p === 'function' ? p().id : p.id;
  return {
    'GET /api/setup': { status: 200, body: { required: false } },
    'GET /api/me': { status: 200, body: me },
    [`GET /api/projects/${id}`]: typeof p === 'function' ? () => ({ status: 200, body: p() }) : { status: 200, body: p },
    'GET /api/projects': { status: 200, body: { items: [] } },
    ...extra,
  };
}
