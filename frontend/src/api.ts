// The one API client. Every request goes through request(): same-origin
// cookies, JSON in and out, the CSRF double-submit header on every non-GET,
// and errors turned into ApiError carrying the server's own message.
import type {
  ApiKey,
  Channel,
  ChannelRequest,
  Delivery,
  DigestPreview,
  SMTPRequest,
  SMTPSettings,
  StripeBudget,
  PolicyPreview,
  PolicyUpdate,
  PolicyView,
  TestResult,
  CreateApiKeyRequest,
  CreatedApiKey,
  Check,
  Dashboard,
  GoLiveRequest,
  GoLiveResult,
  ClerkConnectRequest,
  CustomerView,
  DemoApp,
  DemoStarted,
  BulkAcknowledgeResult,
  Incident,
  IncidentDetail,
  IncidentFilter,
  RecheckResult,
  Schedule,
  SchedulesUpdate,
  StartCheckRequest,
  WebhookHealth,
  ConnectResult,
  Connection,
  DatabaseConnectRequest,
  DatabaseSchema,
  SavedMappings,
  SetupSQL,
  Health,
  Invite,
  InvitePreview,
  List,
  Mappings,
  MappingsUpdate,
  MetadataKeys,
  AppValues,
  PriceList,
  Project,
  Role,
  StackChoices,
  StripeConnectRequest,
  RepairAnswer,
  User,
} from './types';

export const CSRF_COOKIE = 'parityrail_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** On 400: the request field at fault, so a form can show the message under it. */
  readonly field?: string;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}

/**
 * Where a form shows an error: `field` is the request field the server
 * named (400 with error.field), `on(name)` the message for that field's
 * input, undefined for the others.
 */
export function fieldErrors(err: unknown): { field?: string; on: (name: string) => string | undefined } {
  const field = isApiError(err) ? err.field : undefined;
  return { field, on: (name) => (field !== undefined && field === name ? errorMessage(err) : undefined) };
}

/** The message to show a person for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return null;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    // The server sets the CSRF cookie on any response where it is missing;
    // a first write before any read fetches it with a cheap GET.
    let token = readCookie(CSRF_COOKIE);
    if (!token) {
      try {
        await fetch('/api/health', { credentials: 'same-origin' });
      } catch {
        // The real request below reports the network failure.
      }
      token = readCookie(CSRF_COOKIE);
    }
    if (token) headers[CSRF_HEADER] = token;
  }
  try {
    return await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Could not reach the ParityRail server. Check that it is running, then try again.',
    );
  }
}

async function parseError(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = '';
  let field: string | undefined;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      const data = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
      if (data && typeof data.error === 'object' && data.error) {
        if (typeof data.error.code === 'string' && data.error.code) code = data.error.code;
        if (typeof data.error.message === 'string') message = data.error.message;
        if (typeof data.error.field === 'string' && data.error.field) field = data.error.field;
      }
    } catch {
      // Not JSON (a proxy's error page, say): fall through to the generic line.
    }
  }
  if (!message) {
    message = `The server answered with HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}. Try again.`;
  }
  return new ApiError(res.status, code, message, field);
}

export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  if (!res.ok) throw await parseError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent an answer that is not JSON. Try again.');
  }
}

const enc = encodeURIComponent;

/** "?a=1&b=2" from the set values of a filter, or "". */
export function query(params: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  health: () => request<Health>('GET', '/api/health'),

  setupStatus: () => request<{ required: boolean }>('GET', '/api/setup'),
  setup: (body: { email: string; password: string; name: string }) =>
    request<User>('POST', '/api/setup', body),

  login: (body: { email: string; password: string }) => request<User>('POST', '/api/auth/login', body),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<User>('GET', '/api/me'),
  changePassword: (body: { current_password: string; new_password: string }) =>
    request<void>('POST', '/api/me/password', body),
  signOutEverywhere: () => request<void>('POST', '/api/me/sign-out-everywhere'),

  listProjects: () => request<List<Project>>('GET', '/api/projects'),
  createProject: (body: { name: string }) => request<Project>('POST', '/api/projects', body),
  getProject: (id: string) => request<Project>('GET', `/api/projects/${enc(id)}`),
  renameProject: (id: string, body: { name: string }) =>
    request<Project>('PATCH', `/api/projects/${enc(id)}`, body),
  deleteProject: (id: string) => request<void>('DELETE', `/api/projects/${enc(id)}`),
  saveStack: (id: string, body: StackChoices) =>
    request<Project>('PUT', `/api/projects/${enc(id)}/stack`, body),

  listConnections: (id: string) => request<List<Connection>>('GET', `/api/projects/${enc(id)}/connections`),
  connectStripe: (id: string, body: StripeConnectRequest) =>
    request<ConnectResult>('POST', `/api/projects/${enc(id)}/stripe`, body),
  stripePrices: (id: string) => request<PriceList>('GET', `/api/projects/${enc(id)}/stripe/prices`),
  connectClerk: (id: string, body: ClerkConnectRequest) =>
    request<ConnectResult>('POST', `/api/projects/${enc(id)}/clerk`, body),
  /** Every call re-samples recent users (and organizations when asked). */
  clerkMetadataKeys: (id: string, organizations = false) =>
    request<MetadataKeys>(
      'GET',
      `/api/projects/${enc(id)}/clerk/metadata-keys${organizations ? '?organizations=true' : ''}`,
    ),
  /** The values the app stores for a field (the plan): counted in the app's database or sampled from Clerk. */
  appValues: (id: string, field: 'plan') =>
    request<AppValues>('GET', `/api/projects/${enc(id)}/app-values?field=${enc(field)}`),
  getMappings: (id: string) => request<Mappings>('GET', `/api/projects/${enc(id)}/mappings`),
  saveMappings: (id: string, body: MappingsUpdate) =>
    request<SavedMappings>('PUT', `/api/projects/${enc(id)}/mappings`, body),
  connectDatabase: (id: string, body: DatabaseConnectRequest) =>
    request<ConnectResult>('POST', `/api/projects/${enc(id)}/database`, body),
  /** Each call generates fresh role passwords. */
  databaseSetupSQL: (id: string, regenerate?: 'read' | 'repair') =>
    request<SetupSQL>('GET', `/api/projects/${enc(id)}/database/setup-sql${regenerate ? `?regenerate=${regenerate}` : ''}`),
  getSchema: (id: string) => request<DatabaseSchema>('GET', `/api/projects/${enc(id)}/schema`),

  startCheck: (id: string, body: StartCheckRequest) =>
    request<Check>('POST', `/api/projects/${enc(id)}/checks`, body),
  listChecks: (id: string, cursor?: string) =>
    request<List<Check>>('GET', `/api/projects/${enc(id)}/checks${cursor ? `?cursor=${enc(cursor)}` : ''}`),
  getCheck: (id: string, checkId: string) =>
    request<Check>('GET', `/api/projects/${enc(id)}/checks/${enc(checkId)}`),

  listIncidents: (id: string, filter: IncidentFilter = {}) =>
    request<List<Incident>>('GET', `/api/projects/${enc(id)}/incidents${query(filter)}`),
  getIncident: (incidentId: string) => request<IncidentDetail>('GET', `/api/incidents/${enc(incidentId)}`),
  acknowledgeIncident: (incidentId: string) =>
    request<Incident>('POST', `/api/incidents/${enc(incidentId)}/acknowledge`),
  ignoreIncident: (incidentId: string, reason: string) =>
    request<Incident>('POST', `/api/incidents/${enc(incidentId)}/ignore`, { reason }),
  acknowledgeIncidents: (id: string, ids: string[]) =>
    request<BulkAcknowledgeResult>('POST', `/api/projects/${enc(id)}/incidents/acknowledge`, { ids }),
  applyDemoFix: (incidentId: string) =>
    request<{ subject_kind: string; subject_id: string; metadata: Record<string, Record<string, unknown>> }>(
      'POST',
      `/api/incidents/${enc(incidentId)}/demo/apply`,
    ),
  recheckIncident: (incidentId: string) =>
    request<RecheckResult>('POST', `/api/incidents/${enc(incidentId)}/recheck`),

  getCustomer: (id: string, customerId: string) =>
    request<CustomerView>('GET', `/api/projects/${enc(id)}/customers/${enc(customerId)}`),

  getSchedules: (id: string) => request<List<Schedule>>('GET', `/api/projects/${enc(id)}/schedules`),
  saveSchedules: (id: string, body: SchedulesUpdate) =>
    request<List<Schedule>>('PUT', `/api/projects/${enc(id)}/schedules`, body),
  webhookHealth: (id: string) => request<WebhookHealth>('GET', `/api/projects/${enc(id)}/webhooks`),

  /** "Explore with demo data": an onboarded demo project and its running first
   * check; `app` is the demo app's kind (SQL tables, repairs run; or Clerk). */
  createDemoProject: (app: DemoApp) => request<DemoStarted>('POST', '/api/projects/demo', { app }),
  /** Restores a demo project's world to its seed state and starts a fresh full check. */
  resetDemo: (id: string) => request<DemoStarted>('POST', `/api/projects/${enc(id)}/demo/reset`),
  /** Step 7's Continue: records the finished dry run and marks step 7 done. */
  completeDryRun: (id: string, checkId: string) =>
    request<Project>('POST', `/api/projects/${enc(id)}/onboarding/dry-run`, { check_id: checkId }),
  /** Step 8's Finish: settings, onboarded, first real check. */
  goLive: (id: string, body: GoLiveRequest) => request<GoLiveResult>('POST', `/api/projects/${enc(id)}/go-live`, body),
  dashboard: (id: string) => request<Dashboard>('GET', `/api/projects/${enc(id)}/dashboard`),

  listMembers: () => request<List<User>>('GET', '/api/team/members'),
  changeRole: (userId: string, role: Role) =>
    request<User>('PATCH', `/api/team/members/${enc(userId)}`, { role }),
  removeMember: (userId: string) => request<void>('DELETE', `/api/team/members/${enc(userId)}`),

  listInvites: () => request<List<Invite>>('GET', '/api/team/invites'),
  createInvite: (body: { email: string; role: Role }) => request<Invite>('POST', '/api/team/invites', body),
  revokeInvite: (inviteId: string) => request<void>('DELETE', `/api/team/invites/${enc(inviteId)}`),

  listChannels: (projectId: string) => request<List<Channel>>('GET', `/api/projects/${enc(projectId)}/notification-channels`),
  createChannel: (projectId: string, body: ChannelRequest) =>
    request<Channel>('POST', `/api/projects/${enc(projectId)}/notification-channels`, body),
  updateChannel: (projectId: string, channelId: string, body: ChannelRequest) =>
    request<Channel>('PATCH', `/api/projects/${enc(projectId)}/notification-channels/${enc(channelId)}`, body),
  deleteChannel: (projectId: string, channelId: string) =>
    request<void>('DELETE', `/api/projects/${enc(projectId)}/notification-channels/${enc(channelId)}`),
  testChannel: (projectId: string, channelId: string) =>
    request<TestResult>('POST', `/api/projects/${enc(projectId)}/notification-channels/${enc(channelId)}/test`),
  listDeliveries: (projectId: string) => request<List<Delivery>>('GET', `/api/projects/${enc(projectId)}/notification-deliveries`),
  previewDigest: (projectId: string) => request<DigestPreview>('GET', `/api/projects/${enc(projectId)}/digest/preview`),
  sendDigest: (projectId: string) => request<{ queued: number }>('POST', `/api/projects/${enc(projectId)}/digest/send`),
  getSMTP: () => request<SMTPSettings>('GET', '/api/settings/smtp'),
  saveSMTP: (body: SMTPRequest) => request<SMTPSettings>('PUT', '/api/settings/smtp', body),

  getBudget: (projectId: string) => request<StripeBudget>('GET', `/api/projects/${enc(projectId)}/stripe/budget`),
  saveBudget: (projectId: string, maxRPS: number) =>
    request<StripeBudget>('PUT', `/api/projects/${enc(projectId)}/stripe/budget`, { max_rps: maxRPS }),

  getPolicy: (projectId: string) => request<PolicyView>('GET', `/api/projects/${enc(projectId)}/policy`),
  previewPolicy: (projectId: string, body: PolicyUpdate) =>
    request<PolicyPreview>('POST', `/api/projects/${enc(projectId)}/policy/preview`, body),
  savePolicy: (projectId: string, body: PolicyUpdate) => request<PolicyView>('PUT', `/api/projects/${enc(projectId)}/policy`, body),

  listApiKeys: () => request<List<ApiKey>>('GET', '/api/api-keys'),
  createApiKey: (body: CreateApiKeyRequest) => request<CreatedApiKey>('POST', '/api/api-keys', body),
  revokeApiKey: (keyId: string) => request<void>('DELETE', `/api/api-keys/${enc(keyId)}`),

  getInvite: (token: string) => request<InvitePreview>('GET', `/api/invites/${enc(token)}`),
  acceptInvite: (token: string, body?: { name: string; password: string }) =>
    request<User>('POST', `/api/invites/${enc(token)}/accept`, body ?? {}),

  approveRepair: (repairId: string) => request<RepairAnswer>('POST', `/api/repairs/${enc(repairId)}/approve`),
  rejectRepair: (repairId: string, reason: string) =>
    request<RepairAnswer>('POST', `/api/repairs/${enc(repairId)}/reject`, { reason }),
};
