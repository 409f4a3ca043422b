// Routes every onboarding page test needs: setup done, the signed-in user
// and the project.
import type { Connection, PriceUsage, Project, User } from '../types';
import { deferred, signedIn, type Answer, type Handler } from './fakeServer';

export function pageRoutes(
  p: Project | (() => Project),
  me: User,
  extra: Record<string, Handler | Answer> = {},
): Record<string, Handler | Answer> {
  const id = typeof p === 'function' ? p().id : p.id;
  return signedIn(me, {
    [`GET /api/projects/${id}`]: typeof p === 'function' ? () => ({ status: 200, body: p() }) : { status: 200, body: p },
    'GET /api/projects': { status: 200, body: { items: [] } },
    ...extra,
  });
}

/**
 * A connect of step 2 or 3 held open, to see it busy: the POST to
 * …/prj_abc/<path> waits until connected(body) answers it, and the
 * connections list holds conn from then on.
 */
export function heldConnect(path: string, conn: Connection) {
  const pending = deferred<Answer>();
  let connected = false;
  const routes: Record<string, Handler | Answer> = {
    'GET /api/projects/prj_abc/connections': () => ({ status: 200, body: { items: connected ? [conn] : [] } }),
    [`POST /api/projects/prj_abc/${path}`]: () => pending.promise,
  };
  return {
    routes,
    connected(body: unknown) {
      connected = true;
      pending.resolve({ status: 200, body });
    },
  };
}

/** A Stripe price as step 5's "Load from Stripe" lists it. */
export const price = (p: Partial<PriceUsage>): PriceUsage => ({
  price_id: 'price_x',
  lookup_key: '',
  nickname: '',
  product_id: 'prod_x',
  product_name: '',
  unit_amount: 1000,
  billing_scheme: 'per_unit',
  currency: 'usd',
  interval: 'month',
  subscriptions: 1,
  active_subscriptions: 1,
  ...p,
});
