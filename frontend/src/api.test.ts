import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, readCookie, request } from './api';

type Call = { url: string; init: RequestInit };

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

let calls: Call[];
let responder: (url: string, init: RequestInit) => Response | Promise<Response>;

beforeEach(() => {
  calls = [];
  responder = () => jsonResponse(200, {});
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = String(input);
      calls.push({ url, init });
      return responder(url, init);
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function header(init: RequestInit, name: string): string | undefined {
  const h = init.headers as Record<string, string> | undefined;
  if (!h) return undefined;
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? h[key] : undefined;
}

describe('request', () => {
  it('sends the CSRF cookie value as X-CSRF-Token on a POST, with same-origin credentials and a JSON body', async () => {
    document.cookie = 'other=1; path=/';
    document.cookie = 'parityrail_csrf=tok%2Fen-123; path=/';
    responder = () => jsonResponse(201, { id: 'prj_1', name: 'Acme' });

    const project = await api.createProject({ name: 'Acme' });

    expect(project).toEqual({ id: 'prj_1', name: 'Acme' });
    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls;
    expect(url).toBe('/api/projects');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(header(init, 'X-CSRF-Token')).toBe('tok/en-123');
    expect(header(init, 'Content-Type')).toBe('application/json');
    expect(JSON.parse(String(init.body))).toEqual({ name: 'Acme' });
  });

  it('sends the CSRF header on PUT, PATCH and DELETE too, but not on GET', async () => {
    document.cookie = 'parityrail_csrf=abc; path=/';
    responder = (_url, init) => (init.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse(200, {}));

    await api.getProject('prj_1');
    await api.saveStack('prj_1', { name: 'A', billing_source: 'demo', access_source: 'clerk' });
    await api.changeRole('usr_2', 'admin');
    await api.removeMember('usr_2');

    expect(calls.map((c) => [c.init.method, header(c.init, 'X-CSRF-Token')])).toEqual([
      ['GET', undefined],
      ['PUT', 'abc'],
      ['PATCH', 'abc'],
      ['DELETE', 'abc'],
    ]);
    expect(calls[1].url).toBe('/api/projects/prj_1/stack');
    expect(JSON.parse(String(calls[2].init.body))).toEqual({ role: 'admin' });
  });

  it('fetches the CSRF cookie first when a write happens before any read set it', async () => {
    responder = (url) => {
      if (url === '/api/health') {
        document.cookie = 'parityrail_csrf=fresh; path=/';
        return jsonResponse(200, { status: 'ok' });
      }
      return jsonResponse(200, { id: 'usr_1' });
    };

    await api.login({ email: 'a@b.c', password: 'pw' });

    expect(calls.map((c) => c.url)).toEqual(['/api/health', '/api/auth/login']);
    expect(header(calls[1].init, 'X-CSRF-Token')).toBe('fresh');
  });

  it('turns an error answer into an ApiError with the status, code and the server message', async () => {
    document.cookie = 'parityrail_csrf=abc; path=/';
    responder = () =>
      jsonResponse(401, { error: { code: 'invalid_credentials', message: 'Email or password is incorrect.' } });

    const err = await api.login({ email: 'a@b.c', password: 'nope' }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'Email or password is incorrect.',
    });
  });

  it('keeps a 429 message as the server wrote it', async () => {
    document.cookie = 'parityrail_csrf=abc; path=/';
    responder = () =>
      jsonResponse(
        429,
        { error: { code: 'too_many_attempts', message: 'Too many sign-in attempts. Try again in 30 seconds.' } },
        { 'Retry-After': '30' },
      );
    await expect(api.login({ email: 'a@b.c', password: 'x' })).rejects.toMatchObject({
      status: 429,
      code: 'too_many_attempts',
      message: 'Too many sign-in attempts. Try again in 30 seconds.',
    });
  });

  it('falls back to a readable message when the error body is not the JSON error shape', async () => {
    responder = () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    await expect(request('GET', '/api/projects')).rejects.toMatchObject({
      status: 502,
      code: 'http_502',
      message: 'The server answered with HTTP 502 Bad Gateway. Try again.',
    });
  });

  it('returns undefined for 204 No Content', async () => {
    document.cookie = 'parityrail_csrf=abc; path=/';
    responder = () => new Response(null, { status: 204 });
    await expect(api.logout()).resolves.toBeUndefined();
  });

  it('reports a network failure as an ApiError with status 0', async () => {
    responder = () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(api.me()).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('encodes path parameters', async () => {
    responder = () => jsonResponse(200, { email: 'x@y.z', role: 'member', expires_at: '', invited_by: null });
    await api.getInvite('a/b?c');
    expect(calls[0].url).toBe('/api/invites/a%2Fb%3Fc');
  });
});

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    document.cookie = 'a=1; path=/';
    document.cookie = 'parityrail_csrf=x%3Dy; path=/';
    expect(readCookie('parityrail_csrf')).toBe('x=y');
    expect(readCookie('missing')).toBeNull();
  });
});
