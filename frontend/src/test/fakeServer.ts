// A tiny fetch stub for page tests: routes "METHOD /path" to JSON answers.
import { vi } from 'vitest';
import type { User } from '../types';

export type Answer = { status: number; body?: unknown };
/** A handler may answer later (return a promise) to show pending states. */
export type Handler = (body: unknown) => Answer | Promise<Answer>;

export function stubApi(routes: Record<string, Handler | Answer>) {
  const calls: { method: string; path: string; body: unknown; headers: Record<string, string> }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const method = (init.method ?? 'GET').toUpperCase();
      const path = String(input);
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, path, body, headers: (init.headers ?? {}) as Record<string, string> });
      const route = routes[`${method} ${path}`];
      if (!route) {
        return new Response(JSON.stringify({ error: { code: 'not_found', message: `No route ${method} ${path}` } }), {
          status: 404,
        });
      }
      const answer = typeof route === 'function' ? await route(body) : route;
      if (answer.status === 204) return new Response(null, { status: 204 });
      return new Response(JSON.stringify(answer.body ?? {}), {
        status: answer.status,
        headers: { 'Content-Type': 'application/json' },
      });
    }),
  );
  return calls;
}

/** A signed-in session's routes (setup done, GET /api/me answers `me`), then the test's own. */
export function signedIn(me: User, routes: Record<string, Handler | Answer> = {}): Record<string, Handler | Answer> {
  return {
    'GET /api/setup': { status: 200, body: { required: false } },
    'GET /api/me': { status: 200, body: me },
    ...routes,
  };
}

/** A promise with its resolve exposed, for holding a request open in a test. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The server's error answer; field names the request field at fault (a 400's error.field). */
export function apiError(status: number, code: string, message: string, field?: string): Answer {
  return { status, body: { error: { code, message, ...(field ? { field } : {}) } } };
}
