/**
 * The admin API under /api/v1: JSON, the same error discipline as SCIM (a clear message, the
 * right status, nothing half-applied), described by /api/v1/openapi.json. Authenticated by an
 * admin API key of one organisation (`muster admin-keys create`); a list's SCIM token never
 * opens it. Lists of other organisations do not exist as far as a key can tell (404).
 */
import { Hono, type Context } from 'hono';
import { AccountError, SignInBackoff, type AdminAccounts } from '../accounts/admin-accounts.js';
import { PasswordsBusyError } from '../accounts/passwords.js';
import { CredentialError, holderName, type CredentialService } from '../credentials/credential-service.js';
import { PhotoError, type PhotoService } from '../credentials/photo-service.js';
import { CardError, type CardService } from '../credentials/card-service.js';
import { credentialRoutes } from './credential-routes.js';
import { emailRoutes } from './email-routes.js';
import { campaignRoutes } from './campaign-routes.js';
import { EmailError, type CampaignService, type EmailService } from '../email/index.js';
import { webhookRoutes } from './webhook-routes.js';
import type { WebhookService } from '../events/webhook-service.js';
import { WalletSettingsError, type GoogleWallet } from '../credentials/google/google-wallet.js';
import { ApiError } from './api-error.js';
import { SsoError, type SsoConnections } from '../accounts/sso/sso-connections.js';
import type { OidcSignIn } from '../accounts/sso/oidc-sign-in.js';
import { adminAuth, type AdminEnv } from './admin-auth.js';
import { authRoutes, TooManyAttempts, who, type AuthRouteDeps } from './auth-routes.js';
import type { AdminKeys } from '../accounts/admin-keys.js';
import { AuditQueryError, parseAuditFilter, type AuditReader } from '../audit/audit-query.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { MasterList, PeopleSort, Store, TokenInfo } from '../store/index.js';
import { RosterError, type RosterService } from '../lists/roster-service.js';
import type { AttributeTracker } from '../lists/attribute-tracker.js';
import { jobView } from '../jobs/job-runner.js';
import { SETUP_GUIDES, SetupGuides } from '../lists/setup-guides.js';
import { ENTRA_JOB, EntraSyncError, groupNamesOf, type EntraSync } from '../sync/entra-sync.js';
import { GraphError } from '../sync/graph-client.js';
import { SecretBoxError } from '../secrets/secret-box.js';
import { AppleWalletError, type AppleWalletSettings } from '../credentials/apple/apple-wallet-settings.js';
import type { CaptureService } from '../credentials/capture-service.js';
import { issueCapabilities } from '../credentials/wallet-capability.js';
import type { WalletBranding } from '../credentials/wallet-branding.js';
import type { WalletLinkBuilder } from '../credentials/wallet-links.js';
import type { InstallationWallets } from '../credentials/installation-wallets.js';
import type { WalletDelivery } from '../credentials/wallet-delivery.js';
import { installationRoutes } from './installation-routes.js';
import type { ApplePasses } from '../credentials/apple/apple-passes.js';
import { PassCertificateError } from '../credentials/apple/index.js';
import { deriveFields } from '../roster/mapping.js';
import { ClientAbortedError, CLIENT_CLOSED_REQUEST, clientGone, guardUrl, readBytes, readJsonBody } from './body.js';
import { InputRefused } from '../scim/input-guard.js';
import type { ImportService } from '../lists/import-service.js';
import { UsageError, type ListsService } from '../lists/lists-service.js';
import { ScimError } from '../scim/errors.js';
import { ScanBusyError, ScanCallerGoneError, ScanTimeoutError } from '../store/scan-pool.js';
import { DATABASE_RETRY_AFTER_S, databaseUnavailable } from '../store/unavailable.js';
import { OPENAPI } from './openapi.js';
import type { Logger } from './scim-response.js';
import { EventsQueryError, MAX_EVENTS_PAGE, type EventsApi } from '../events/events-api.js';

export interface AdminDeps extends Pick<AuthRouteDeps, 'throttles'> {
  readonly store: Store;
  readonly adminKeys: AdminKeys;
  readonly reader: AuditReader;
  readonly audit: AuditTrail;
  readonly log: Logger;
  readonly roster: RosterService;
  readonly tracker: AttributeTracker;
  readonly importer: ImportService;
  readonly lists: ListsService;
  readonly publicUrl: string | undefined;
  /** MUSTER_TRUST_PROXY: X-Forwarded-Proto and X-Forwarded-Host count (src/http/admin-auth.ts). */
  readonly trustProxy: boolean;
  readonly entra: EntraSync;
  readonly accounts: AdminAccounts;
  readonly setupToken: string | undefined;
  readonly signInPerMinute: number;
  readonly credentials: CredentialService;
  readonly photos: PhotoService;
  readonly cards: CardService;
  readonly appleWallet: AppleWalletSettings;
  readonly applePasses: ApplePasses;
  readonly googleWallet: GoogleWallet;
  readonly email: EmailService;
  readonly campaigns: CampaignService;
  readonly capture: CaptureService;
  readonly walletBranding: WalletBranding;
  readonly walletLinks: WalletLinkBuilder;
  readonly installationWallets: InstallationWallets;
  readonly walletDelivery: WalletDelivery;
  readonly events: EventsApi;
  readonly webhooks: WebhookService;
  readonly ssoConnections: SsoConnections;
  readonly sso: OidcSignIn;
}

export type Env = AdminEnv;


const problem = (c: Context, status: ApiError['status'], code: string, detail: string, headers: Record<string, string> = {}) =>
  c.json({ error: code, detail }, status, { ...(status === 401 ? { 'www-authenticate': 'Bearer realm="muster-admin"' } : {}), ...headers });

/** Every 429 says when to come back (RFC 6585 §4, RFC 9110 §10.2.3). Busy password or photo checks drain in a moment. */
const BUSY_RETRY_AFTER = { 'retry-after': '2' };

function intParam(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'invalid_parameter', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function adminRoutes(deps: AdminDeps): Hono<Env> {
  const api = new Hono<Env>();

  api.get('/openapi.json', (c) => c.json(OPENAPI));

  const meta = (c: Context<Env>) => ({ actor: c.get('actor') });
  const body = async (c: Context<Env>, maxBytes = 1_048_576): Promise<Record<string, unknown>> => {
    const b = await readJsonBody(c.req.raw, maxBytes);
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new ApiError(400, 'invalid_body', 'send a JSON object');
    return b as Record<string, unknown>;
  };
  // Path parameters and query values reach the database as ids and search text: NUL and lone
  // surrogates are refused before any route reads them (src/scim/input-guard.ts).
  api.use('*', async (c, next) => {
    guardUrl(new URL(c.req.url));
    await next();
  });
  api.route('/auth', authRoutes(deps));
  const authenticate = adminAuth(deps);
  api.use('*', async (c, next) => (c.req.path === '/api/v1/openapi.json' ? next() : authenticate(c, next)));
  /** Managing accounts is the owner's. */
  const ownerOnly = (c: Context<Env>) => {
    if (c.get('role') !== 'owner') throw new ApiError(403, 'forbidden', 'only an owner can manage admin accounts');
  };
  /** Where clients reach Muster: MUSTER_PUBLIC_URL, else the origin this request came to. */
  const origin = (c: Context<Env>) => {
    const url = new URL(c.req.url);
    return deps.publicUrl ?? `${url.protocol}//${url.host}`;
  };
  const scimBaseUrl = (c: Context<Env>, id: string) => `${origin(c)}/scim/v2/lists/${id}`;
  const guides = new SetupGuides(deps.store);

  const listOf = async (c: Context<Env>, id = c.req.param('listId') ?? ''): Promise<MasterList> => {
    const list = await deps.store.lists.get(id);
    if (!list || list.orgId !== c.get('orgId')) throw new ApiError(404, 'not_found', `no list "${id}" in your organisation`);
    return list;
  };

  const listView = async (c: Context<Env>, l: MasterList) => {
    // Only a SCIM list has a SCIM endpoint to advertise; other lists answer every SCIM request 403.
    const scim = l.syncMethod === 'scim' ? scimBaseUrl(c, l.id) : null;
    try {
      const counts = await deps.store.roster.counts(l.id);
      return { ...l, people: counts.total, counts, scimBaseUrl: scim };
    } catch (err) {
      // The counts read the whole list in the lane of such reads (store/scan-pool.ts). When this
      // list's lane is full, the list is still shown, with its maintained number of people and
      // without the other counts (the Lists page shows "—"), rather than failing the whole page.
      if (!(err instanceof ScanBusyError)) throw err;
      return { ...l, people: (await deps.store.paging.total(l.id, 'User')) ?? null, scimBaseUrl: scim };
    }
  };

  api.get('/lists', async (c) => {
    const out = [];
    for (const l of await deps.store.lists.all(c.get('orgId'))) out.push(await listView(c, l));
    return c.json({ lists: out });
  });

  /**
   * A new list. With syncMethod scim ("automated provisioning") it answers its first token, once.
   * Without uidAttribute it starts keyed on userName; the Sync tab changes that while it is empty.
   */
  api.post('/lists', async (c) => {
    const b = await body(c);
    const unknown = Object.keys(b).filter((k) => !['name', 'uidAttribute', 'syncMethod', 'externalIdUnique'].includes(k));
    if (unknown.length) throw new ApiError(400, 'invalid_body', `unknown properties: ${unknown.join(', ')}`);
    if (typeof b.name !== 'string' || !b.name.trim()) throw new ApiError(400, 'invalid_body', 'give the list a name');
    if (b.syncMethod !== undefined && b.syncMethod !== 'scim' && b.syncMethod !== 'none') throw new ApiError(400, 'invalid_body', 'syncMethod must be scim or none (connect Entra ID afterwards with PUT …/entra)');
    if (b.externalIdUnique !== undefined && typeof b.externalIdUnique !== 'boolean') throw new ApiError(400, 'invalid_body', 'externalIdUnique must be true or false');
    try {
      const r = await deps.lists.createList({
        name: b.name, ...(b.uidAttribute !== undefined ? { uid: String(b.uidAttribute) } : {}), org: c.get('orgId'), syncMethod: (b.syncMethod ?? 'scim') as 'scim' | 'none',
        ...(typeof b.externalIdUnique === 'boolean' ? { externalIdUnique: b.externalIdUnique } : {}),
      }, meta(c));
      return c.json({ list: await listView(c, r.list), token: r.token ? { ...tokenView(r.token.token), secret: r.token.secret } : null }, 201);
    } catch (err) {
      if (err instanceof UsageError) throw new ApiError(400, 'invalid_body', err.message);
      throw err;
    }
  });

  // ---- SCIM tokens: several per list, each shown once; rotation is "create, then revoke the old".
  api.get('/lists/:listId/tokens', async (c) => c.json({ tokens: (await deps.store.tokens.forList((await listOf(c)).id)).map(tokenView) }));
  api.post('/lists/:listId/tokens', async (c) => {
    const list = await listOf(c);
    const b = await body(c);
    if (b.label !== undefined && (typeof b.label !== 'string' || b.label.length > 100)) throw new ApiError(400, 'invalid_body', 'label must be text of up to 100 characters');
    try {
      // The service refuses lists that do not use SCIM, for every path that issues tokens.
      const t = await deps.lists.createToken(list.id, typeof b.label === 'string' ? b.label : 'Token', meta(c));
      return c.json({ token: tokenView(t.token), secret: t.secret }, 201);
    } catch (err) {
      if (err instanceof UsageError && err.code === 'MUSTER_SYNC_METHOD_CONFLICT') throw new ApiError(409, 'sync_method_conflict', err.message);
      throw err;
    }
  });
  api.delete('/lists/:listId/tokens/:tokenId', async (c) => {
    const list = await listOf(c);
    try {
      await deps.lists.revokeToken(list.id, c.req.param('tokenId'), meta(c));
    } catch (err) {
      if (err instanceof UsageError) throw new ApiError(404, 'not_found', err.message);
      throw err;
    }
    return c.body(null, 204);
  });

  // ---- admin accounts of the organisation
  api.get('/admins', async (c) => c.json({ admins: await deps.accounts.list(c.get('orgId')) }));
  api.post('/admins', async (c) => {
    ownerOnly(c);
    return c.json(await deps.accounts.create(c.get('orgId'), await body(c), who(c)), 201);
  });
  api.patch('/admins/:adminId', async (c) => {
    ownerOnly(c);
    const b = await body(c);
    return c.json(await deps.accounts.setRole(c.get('orgId'), c.req.param('adminId'), b.role, who(c)));
  });
  api.delete('/admins/:adminId', async (c) => {
    ownerOnly(c);
    await deps.accounts.remove(c.get('orgId'), c.req.param('adminId'), c.get('adminId') ?? '', who(c));
    return c.body(null, 204);
  });
  // ---- single sign-on with the organisation's OpenID Connect provider (docs/sso.md); the owner's to change
  api.get('/sso', async (c) => c.json({ ...(await deps.ssoConnections.view(c.get('orgId'))), redirectUri: `${origin(c)}/api/v1/auth/sso/callback`, signInUrl: `${origin(c)}/?org=${encodeURIComponent(c.get('orgId'))}` }));
  api.put('/sso', async (c) => {
    ownerOnly(c);
    return c.json(await deps.ssoConnections.configure(c.get('orgId'), await body(c, 65_536), who(c)));
  });
  api.delete('/sso', async (c) => {
    ownerOnly(c);
    await deps.ssoConnections.remove(c.get('orgId'), who(c));
    return c.body(null, 204);
  });
  /** The organisation's sign-ins, failed sign-ins and account changes, newest first (owners and admins). */
  api.get('/security-events', async (c) => {
    if (c.get('role') === 'viewer') throw new ApiError(403, 'forbidden', 'the security log is for owners and admins');
    const q = c.req.query();
    const limit = intParam(q.limit, 'limit', 50, 1, 500);
    return c.json(await deps.accounts.securityEvents(c.get('orgId'), limit, q.cursor ? intParam(q.cursor, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER) : undefined));
  });

  // The organisation's domain events after a cursor (docs/events.md): a system that was down catches up.
  api.get('/events', async (c) => {
    const q = c.req.query();
    const after = intParam(q.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(q.limit, 'limit', 100, 1, MAX_EVENTS_PAGE);
    const types = (c.req.queries('type') ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
    const listId = q.list === undefined || q.list === '' ? undefined : (await listOf(c, q.list)).id;
    try {
      return c.json(await deps.events.page(c.get('orgId'), { after, types, limit, ...(listId !== undefined ? { listId } : {}) }));
    } catch (err) {
      if (err instanceof EventsQueryError) throw new ApiError(err.code === 'events_cursor_expired' ? 410 : 400, err.code, err.message);
      throw err;
    }
  });

  api.get('/lists/:listId/audit/events', async (c) => {
    const list = await listOf(c);
    const q = c.req.query();
    const order = q.order === 'asc' ? 'asc' : 'desc';
    if (q.order !== undefined && q.order !== 'asc' && q.order !== 'desc') throw new ApiError(400, 'invalid_parameter', 'order must be asc or desc');
    const page = await deps.reader.page(list.id, parseAuditFilter(q), {
      order, limit: intParam(q.limit, 'limit', 100, 1, 1000), ...(q.cursor ? { cursor: intParam(q.cursor, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
    });
    return c.json(page);
  });

  api.get('/lists/:listId/audit/export', async (c) => {
    const list = await listOf(c);
    const q = c.req.query();
    const format = q.format ?? 'jsonl';
    if (format !== 'csv' && format !== 'jsonl') throw new ApiError(400, 'invalid_parameter', 'format must be csv or jsonl');
    const filter = parseAuditFilter(q);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return new Response(await deps.reader.export(list.id, filter, format), {
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="muster-audit-${list.id}-${stamp}.${format}"`,
      },
    });
  });

  api.get('/lists/:listId/audit/verify', async (c) => {
    const list = await listOf(c);
    return c.json(await deps.audit.verify(deps.store, list.id));
  });

  api.get('/lists/:listId/request-log', async (c) => {
    // It holds what IdPs sent and what Muster answered (request and response bodies, with more
    // personal data than the roster shows): like the security log, for owners and admins.
    if (c.get('role') === 'viewer') throw new ApiError(403, 'forbidden', 'the request log holds request bodies: it is for owners and admins');
    const list = await listOf(c);
    const q = c.req.query();
    return c.json(await deps.reader.requests(list.id, {
      failedOnly: q.failed === 'true', limit: intParam(q.limit, 'limit', 50, 1, 500),
      ...(q.requestId ? { requestId: q.requestId } : {}),
      ...(q.cursor ? { cursor: intParam(q.cursor, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
    }));
  });


  api.get('/lists/:listId', async (c) => c.json(await listView(c, await listOf(c))));

  api.patch('/lists/:listId', async (c) => {
    const list = await listOf(c);
    const b = await body(c);
    const unknown = Object.keys(b).filter((k) => k !== 'name' && k !== 'strict' && k !== 'syncMethod' && k !== 'uidAttribute');
    if (unknown.length) throw new ApiError(400, 'invalid_body', `only name, strict, syncMethod and uidAttribute can change; not ${unknown.join(', ')}`);
    // Everything is checked before anything is applied: a 400 must change nothing.
    if (b.name !== undefined && (typeof b.name !== 'string' || !b.name.trim())) throw new ApiError(400, 'invalid_body', 'name must be a non-empty string');
    if (b.strict !== undefined && typeof b.strict !== 'boolean') throw new ApiError(400, 'invalid_body', 'strict must be true or false');
    if (b.syncMethod !== undefined && b.syncMethod !== 'none' && b.syncMethod !== 'scim') throw new ApiError(400, 'invalid_body', 'syncMethod must be none or scim (Entra sync is turned on with PUT …/entra)');
    if (b.uidAttribute !== undefined && b.uidAttribute !== 'userName' && b.uidAttribute !== 'email' && b.uidAttribute !== 'employeeNumber') throw new ApiError(400, 'invalid_body', 'uidAttribute must be employeeNumber, userName or email');
    try {
      // The unique identifier first: refused once the list has people, and then nothing else changes either.
      if (b.uidAttribute !== undefined) await deps.lists.changeUid(list.id, b.uidAttribute, meta(c));
      let token: string | null = null;
      if (b.syncMethod !== undefined) token = (await deps.lists.setSyncMethod(list.id, b.syncMethod, meta(c))).token?.secret ?? null;
      const { syncMethod: _s, uidAttribute: _u, ...rest } = b;
      const updated = Object.keys(rest).length ? await deps.lists.configure(list.id, rest, meta(c)) : (await deps.store.lists.get(list.id))!;
      // Turning SCIM on creates its first token: shown once, here.
      return c.json(token ? { ...updated, token } : updated);
    } catch (err) {
      if (err instanceof UsageError && err.code === 'MUSTER_SYNC_METHOD_CONFLICT') throw new ApiError(409, 'sync_method_conflict', err.message);
      if (err instanceof UsageError && err.code === 'MUSTER_LIST_UID_LOCKED') throw new ApiError(409, 'uid_locked', err.message);
      if (err instanceof UsageError) throw new ApiError(400, 'invalid_body', err.message);
      throw err;
    }
  });

  /** The set-up guide for one IdP, filled for this list (base URL, unique identifier, mapping). */
  api.get('/lists/:listId/setup/:idp', async (c) => {
    const list = await listOf(c);
    const guide = await guides.guide(c.req.param('idp'), list, scimBaseUrl(c, list.id));
    if (!guide) throw new ApiError(404, 'not_found', `no set-up guide for "${c.req.param('idp')}"; guides: ${[...SETUP_GUIDES.keys()].join(', ')}`);
    return c.json(guide);
  });

  /**
   * The guide's live check: without seq/request/time, where the list stands now; with them (the
   * first answer's `since`, sent back on every poll), the SCIM operations and failed requests since.
   */
  api.get('/lists/:listId/setup/:idp/check', async (c) => {
    const list = await listOf(c);
    if (!SETUP_GUIDES.has(c.req.param('idp'))) throw new ApiError(404, 'not_found', `no set-up guide for "${c.req.param('idp')}"`);
    const q = c.req.query();
    const given = [q.seq, q.request, q.time].filter((v) => v !== undefined).length;
    if (given !== 0 && given !== 3) throw new ApiError(400, 'invalid_parameter', 'give seq, request and time (as the first answer\'s since), or none');
    if (q.time !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(q.time)) throw new ApiError(400, 'invalid_parameter', 'time must be an ISO 8601 UTC time, as the first answer\'s since.time');
    const since = given ? { seq: intParam(q.seq, 'seq', 0, 0, Number.MAX_SAFE_INTEGER), request: intParam(q.request, 'request', 0, 0, Number.MAX_SAFE_INTEGER), time: q.time! } : undefined;
    return c.json(await guides.liveCheck(list, c.req.param('idp'), since));
  });

  api.put('/lists/:listId/entra', async (c) => {
    const list = await listOf(c);
    const b = await body(c);
    const ids = Array.isArray(b.groupIds) ? [...new Set(b.groupIds.filter((x): x is string => typeof x === 'string').map((x) => x.trim()))] : [];
    await deps.entra.connect(list, {
      tenantId: String(b.tenantId ?? ''), clientId: String(b.clientId ?? ''), clientSecret: String(b.clientSecret ?? ''), groupIds: ids,
      ...(typeof b.schedule === 'string' ? { schedule: b.schedule } : {}),
      ...(typeof b.authorityUrl === 'string' ? { authorityUrl: b.authorityUrl } : {}), ...(typeof b.graphUrl === 'string' ? { graphUrl: b.graphUrl } : {}),
      syncPhotos: b.syncPhotos === true,
    });
    // The Sync tab shows the chosen groups by name: ask Graph now (a failure leaves the names to the first run).
    await deps.entra.resolveGroupNames(list.id).catch((err: unknown) => deps.log.warn('entra group names not resolved', { listId: list.id, err: String(err) }));
    return c.json(await entraView(deps, list.id));
  });
  api.get('/lists/:listId/entra', async (c) => c.json(await entraView(deps, (await listOf(c)).id)));
  api.post('/lists/:listId/entra/test', async (c) => c.json(await deps.entra.test((await listOf(c)).id)));
  api.get('/lists/:listId/entra/groups', async (c) => c.json({ groups: await deps.entra.searchGroups((await listOf(c)).id, c.req.query('search') ?? '') }));
  api.post('/lists/:listId/entra/runs', async (c) => {
    const list = await listOf(c);
    const id = await deps.entra.enqueue(list.id, 'manual');
    return c.json(jobView((await deps.store.roster.job(id))!), 202);
  });
  api.get('/lists/:listId/entra/runs', async (c) => {
    const list = await listOf(c);
    return c.json({ runs: (await deps.store.roster.jobs(list.id, 50)).filter((j) => j.kind === ENTRA_JOB).map(jobView) });
  });

  api.get('/lists/:listId/fields', async (c) => c.json({ fields: await deps.store.roster.fields((await listOf(c)).id) }));
  api.post('/lists/:listId/fields', async (c) => {
    const r = await deps.roster.addField(await listOf(c), await body(c), meta(c));
    return c.json(r, 201);
  });
  api.patch('/lists/:listId/fields/:key', async (c) => c.json(await deps.roster.updateField(await listOf(c), c.req.param('key'), await body(c), meta(c))));
  api.delete('/lists/:listId/fields/:key', async (c) => c.json(await deps.roster.removeField(await listOf(c), c.req.param('key'), meta(c))));

  api.get('/lists/:listId/mapping', async (c) => {
    const list = await listOf(c);
    return c.json({ entries: await deps.store.roster.mapping(list.id), version: await deps.store.roster.mappingVersion(list.id) });
  });
  api.put('/lists/:listId/mapping', async (c) => {
    const r = await deps.roster.replaceMapping(await listOf(c), (await body(c)).entries, meta(c));
    return c.json({ entries: r.mapping, job: jobView((await deps.store.roster.job(r.jobId))!) }, 202);
  });
  /** What a mapping would make of one person, without saving it (the mapping editor's preview). */
  api.post('/lists/:listId/mapping/preview', async (c) => {
    const list = await listOf(c);
    const b = await body(c);
    if (typeof b.personId !== 'string') throw new ApiError(400, 'invalid_body', 'send {"personId": "…", "entries": [...]} (entries default to the saved mapping)');
    const person = await deps.store.users.get(list.id, b.personId);
    if (!person) throw new ApiError(404, 'not_found', `no person "${b.personId}" on this list`);
    const fields = await deps.store.roster.fields(list.id);
    const entries = b.entries === undefined ? await deps.store.roster.mapping(list.id) : b.entries;
    const mapping = deps.roster.validateMapping(entries, fields);
    return c.json(deriveFields(person.data, fields, mapping));
  });

  api.get('/lists/:listId/jobs', async (c) => c.json({ jobs: (await deps.store.roster.jobs((await listOf(c)).id, 20)).map(jobView) }));
  api.get('/lists/:listId/jobs/:jobId', async (c) => {
    const list = await listOf(c);
    const job = await deps.store.roster.job(c.req.param('jobId'));
    if (!job || job.list_id !== list.id) throw new ApiError(404, 'not_found', `no job "${c.req.param('jobId')}" on this list`);
    return c.json(jobView(job));
  });

  api.get('/lists/:listId/attributes', async (c) => {
    const list = await listOf(c);
    await deps.tracker.flush();
    const mapped = new Set((await deps.store.roster.mapping(list.id)).map((m) => m.source));
    const attrs = (await deps.store.roster.seenAttributes(list.id)).map((a) => ({ ...a, mapped: mapped.has(a.path) }));
    return c.json({ attributes: attrs });
  });

  api.get('/lists/:listId/people', async (c) => {
    const list = await listOf(c);
    const q = c.req.query();
    if (q.status !== undefined && q.status !== 'active' && q.status !== 'deactivated') throw new ApiError(400, 'invalid_parameter', 'status must be active or deactivated');
    if (q.problems !== undefined && q.problems !== 'true' && q.problems !== 'false') throw new ApiError(400, 'invalid_parameter', 'problems must be true or false');
    if (q.photo !== undefined && q.photo !== 'none' && q.photo !== 'pending') throw new ApiError(400, 'invalid_parameter', 'photo must be none (no approved photo and none waiting) or pending (waiting for approval)');
    if (q.credential !== undefined && q.credential !== 'none' && q.credential !== 'revoked') throw new ApiError(400, 'invalid_parameter', 'credential must be none (no card yet) or revoked');
    let sort: PeopleSort | undefined;
    if (q.sort) {
      const fields = await deps.store.roster.fields(list.id);
      if (q.sort === 'created' || q.sort === 'lastModified') sort = { column: q.sort };
      else if (fields.some((f) => f.key === q.sort)) sort = { field: q.sort };
      else throw new ApiError(400, 'invalid_parameter', `sort must be created, lastModified or a field key of this list, not "${q.sort}"`);
    }
    const query = {
      listId: list.id, search: q.search || undefined, status: q.status as 'active' | 'deactivated' | undefined,
      problems: q.problems === undefined ? undefined : q.problems === 'true', photo: q.photo as 'none' | 'pending' | undefined,
      credential: q.credential as 'none' | 'revoked' | undefined, sort, descending: q.order === 'desc',
      offset: intParam(q.offset, 'offset', 0, 0, 10_000_000), limit: intParam(q.limit, 'limit', 50, 1, 500),
      // A search typed over (the web app aborts the fetch it superseded) is not run when its turn comes.
      gone: () => clientGone(c),
    };
    const [people, total, counts] = await Promise.all([deps.store.roster.people(query), deps.store.roster.countPeople(query), deps.store.roster.counts(list.id, query.gone)]);
    return c.json({ total, offset: query.offset, people, counts });
  });

  /** CSV import into a list without a sync method; `?dryRun=true` reports what would change and changes nothing. */
  api.post('/lists/:listId/import', async (c) => {
    const list = await listOf(c);
    const dry = c.req.query('dryRun');
    if (dry !== undefined && dry !== 'true' && dry !== 'false') throw new ApiError(400, 'invalid_parameter', 'dryRun must be true or false');
    // Bytes, not text: the importer refuses a file that is not UTF-8 instead of reading U+FFFD into names.
    const bytes = await readBytes(c.req.raw, 50 * 1_048_576);
    return c.json(await deps.importer.importCsv(list, bytes, dry === 'true', meta(c)));
  });

  api.get('/lists/:listId/people/export', async (c) => {
    const list = await listOf(c);
    const fields = await deps.store.roster.fields(list.id);
    const stream = deps.roster.exportCsv(list.id, fields);
    return new Response(stream, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="muster-${list.id}.csv"` } });
  });

  api.get('/lists/:listId/people/:personId', async (c) => {
    const list = await listOf(c);
    const rows = await deps.store.roster.people({ listId: list.id, offset: 0, limit: 1, personId: c.req.param('personId') });
    if (!rows[0]) throw new ApiError(404, 'not_found', `no person "${c.req.param('personId')}" on this list`);
    const groups = (await deps.store.users.groupsOf([rows[0].id])).get(rows[0].id) ?? [];
    const user = await deps.store.users.get(list.id, rows[0].id);
    // What can be issued to this person now, and why not (issue 14, item 4): the web app disables what is not.
    // Reference fields (the manager) hold a person's id: name them, so the page links to a person, not to an id.
    const fields = await deps.store.roster.fields(list.id);
    const refs = fields.filter((f) => f.type === 'reference').map((f) => ({ field: f.key, id: rows[0]!.fields[f.key] }))
      .filter((r): r is { field: string; id: string } => typeof r.id === 'string' && r.id !== '');
    const found = await deps.store.users.dataOf(list.id, refs.map((r) => r.id));
    const references = refs.map((r) => { const d = found.get(r.id); return { ...r, name: d ? holderName(d) : null, onList: !!d }; });
    return c.json({ ...rows[0], groups, references, scim: user?.data, issue: await issueCapabilities(deps.store, list.orgId) });
  });

  // ---- Apple Wallet (docs/apple-wallet.md): settings per organisation, passes per credential
  api.get('/apple-wallet', async (c) => c.json(await deps.appleWallet.view(c.get('orgId'))));
  api.put('/apple-wallet', async (c) => c.json(await deps.appleWallet.put(c.get('orgId'), await body(c), meta(c))));
  api.delete('/apple-wallet', async (c) => {
    await deps.appleWallet.remove(c.get('orgId'), meta(c));
    return c.body(null, 204);
  });
  const applePassOf = async (c: Context<Env>) => {
    const list = await listOf(c);
    const cred = await deps.store.credentials.get(c.req.param('credentialId') ?? '');
    if (!cred || cred.list_id !== list.id || cred.kind !== 'apple_pass') throw new ApiError(404, 'not_found', `no Apple pass "${c.req.param('credentialId')}" on this list`);
    return cred;
  };
  api.get('/lists/:listId/credentials/:credentialId/pkpass', async (c) => {
    // The file carries the pass's authentication token: whoever holds it can register for its updates.
    if (c.get('role') === 'viewer') throw new ApiError(403, 'forbidden', 'viewers cannot download holders\' passes');
    const p = await deps.applePasses.build(await applePassOf(c), origin(c));
    return c.body(new Uint8Array(p.bytes), 200, { 'content-type': 'application/vnd.apple.pkpass', 'content-disposition': 'attachment; filename="pass.pkpass"', 'cache-control': 'no-store' });
  });
  api.post('/lists/:listId/credentials/:credentialId/pkpass-link', async (c) => {
    const cred = await applePassOf(c);
    const b = c.req.header('content-type')?.includes('json') ? await body(c) : {};
    const hours = b.ttlHours === undefined ? 72 : b.ttlHours;
    if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 720) throw new ApiError(400, 'invalid_body', 'ttlHours must be an integer from 1 to 720');
    return c.json(deps.applePasses.downloadLink(cred, origin(c), hours * 3600), 201);
  });
  // ---- The organisation's colours and logo on its passes, whoever's credentials sign them
  api.get('/wallet-branding', async (c) => c.json(await deps.walletBranding.view(c.get('orgId'))));
  // A logo image of up to 1 MB arrives as base64 (a third larger).
  api.put('/wallet-branding', async (c) => c.json(await deps.walletBranding.put(c.get('orgId'), await body(c, 1_500_000), meta(c))));
  /** The links that add the person's valid passes to their wallets, to pass on (or email, issue 14 item 1). */
  api.get('/lists/:listId/people/:personId/wallet-links', async (c) => {
    // The links add the passes to whoever opens them: not for read-only accounts.
    if (c.get('role') === 'viewer') throw new ApiError(403, 'forbidden', 'viewers cannot make links to holders\' passes');
    const list = await listOf(c);
    if (!(await deps.store.users.get(list.id, c.req.param('personId')))) throw new ApiError(404, 'not_found', `no person "${c.req.param('personId')}" on this list`);
    return c.json(await deps.walletLinks.forPerson(list, c.req.param('personId'), origin(c)));
  });
  // ---- Google Wallet: the organisation's issuer account (docs/google-wallet.md)
  api.get('/google-wallet', async (c) => c.json(await deps.googleWallet.view(c.get('orgId'))));
  api.put('/google-wallet', async (c) => c.json(await deps.googleWallet.configure(c.get('orgId'), await body(c), meta(c))));
  api.delete('/google-wallet', async (c) => {
    await deps.googleWallet.remove(c.get('orgId'), meta(c));
    return c.body(null, 204);
  });
  // Registered after the Apple routes: …/credentials/{id}/:action would otherwise take …/pkpass-link.
  credentialRoutes(api, deps, { listOf, body, meta, origin });
  emailRoutes(api, deps, { listOf, body, meta, origin });
  installationRoutes(api, deps, { body, who });
  campaignRoutes(api, deps, { listOf, body, meta, origin });
  webhookRoutes(api, deps, { listOf, body, meta, origin });

  api.notFound((c) => problem(c, 404, 'not_found', `no admin endpoint ${c.req.method} ${c.req.path}; see /api/v1/openapi.json`));
  api.onError((err, c) => {
    if (err instanceof ApiError) return problem(c, err.status, err.code, err.message);
    if (err instanceof InputRefused) return problem(c, 400, 'invalid_input', err.detail);
    if (err instanceof CredentialError) return problem(c, err.status, err.code, err.message);
    if (err instanceof CardError) return c.json({ error: err.code, detail: err.message, ...(err.problems.length ? { problems: err.problems } : {}) }, err.status);
    if (err instanceof EmailError) return c.json({ error: err.code, detail: err.message, ...(err.problems.length ? { problems: err.problems } : {}) }, err.status);
    if (err instanceof PhotoError) return c.json({ error: err.code, detail: err.message, ...(err.problems.length ? { problems: err.problems } : {}) }, err.status, err.status === 429 ? BUSY_RETRY_AFTER : {});
    if (err instanceof WalletSettingsError) return problem(c, err.status, err.code, err.message);
    if (err instanceof AppleWalletError) return problem(c, err.status, err.code, err.message);
    if (err instanceof PassCertificateError) return problem(c, 400, err.code, err.message);
    if (err instanceof PasswordsBusyError) return problem(c, 429, 'busy', err.message, BUSY_RETRY_AFTER);
    // The lane of whole-list reads (store/scan-pool.ts): the roster's search and counts, the audit
    // trail's search by name. Said in the roster's words: the People page shows the detail as it is.
    if (err instanceof ScanBusyError) {
      return problem(c, 429, 'busy', `many searches of this list are running at once; try again in ${err.retryAfterSeconds} seconds`, { 'retry-after': String(err.retryAfterSeconds) });
    }
    if (err instanceof ScanTimeoutError) {
      return problem(c, 400, 'query_too_slow', `this search looks through everyone on the list and took longer than ${err.deadlineMs / 1000} seconds, so it was stopped; `
        + 'search for something narrower, such as a username, an email address or an employee number');
    }
    if (err instanceof TooManyAttempts || err instanceof SignInBackoff) return problem(c, 429, err.code, err.message, { 'retry-after': String(err.retryAfterSeconds) });
    if (err instanceof AccountError) return problem(c, err.status as ApiError['status'], err.code, err.message);
    if (err instanceof SsoError) return problem(c, err.status, err.code, err.message);
    if (err instanceof AuditQueryError) return problem(c, 400, 'invalid_parameter', err.message);
    if (err instanceof RosterError) return problem(c, err.status, err.code, err.message);
    if (err instanceof EntraSyncError) return problem(c, err.status, err.code, err.message);
    if (err instanceof SecretBoxError) return problem(c, 400, err.code.toLowerCase(), err.message);
    if (err instanceof GraphError) return problem(c, 502 as ApiError['status'], 'graph_error', `Microsoft Graph answered ${err.status} ${err.code}: ${err.message}`);
    if (err instanceof ScimError) return problem(c, err.status as ApiError['status'], err.scimType ?? 'invalid_request', err.detail);
    if (err instanceof ClientAbortedError) {
      // The client hung up mid-body (a cancelled upload): nothing to answer and nothing went wrong here.
      deps.log.info('admin request aborted by the client', { method: c.req.method, path: c.req.path, receivedBytes: err.receivedBytes });
      return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    }
    // The client left while its search waited in the lane (a search typed over): not run, nothing to answer.
    if (err instanceof ScanCallerGoneError) return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    if (databaseUnavailable(err)) {
      deps.log.error('database unavailable', { path: c.req.path, err: String(err) });
      return problem(c, 503, 'database_unavailable', `the database is not answering; try again in ${DATABASE_RETRY_AFTER_S} seconds, and if it goes on, tell whoever runs Muster`, { 'retry-after': String(DATABASE_RETRY_AFTER_S) });
    }
    deps.log.error('admin API error', { path: c.req.path, err: err.stack });
    return problem(c, 500, 'internal', 'internal error; the request changed nothing');
  });
  return api;
}

const tokenView = (t: TokenInfo) => ({ id: t.id, label: t.label, hint: t.hint, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt, idp: t.idp });

/** The connection as the API shows it: never the secret. */
async function entraView(deps: AdminDeps, listId: string) {
  const conn = await deps.store.entra.get(listId);
  if (!conn) return { connected: false };
  const groupIds = JSON.parse(conn.group_ids) as string[];
  const names = groupNamesOf(conn);
  const running = (await deps.store.roster.jobs(listId, 20)).some((j) => j.kind === ENTRA_JOB && (j.status === 'queued' || j.status === 'running'));
  // The scheduler looks every minute; a run due (or one the scheduler has not reached yet) is "now", never a time past.
  const now = new Date().toISOString();
  const due = conn.schedule !== 'manual' && conn.next_run_at !== null && conn.next_run_at <= now;
  return {
    connected: true, tenantId: conn.tenant_id, clientId: conn.client_id, clientSecret: '(stored encrypted; never shown)',
    authorityUrl: conn.authority_url, graphUrl: conn.graph_url, groupIds, groups: groupIds.map((id) => ({ id, displayName: names.get(id) ?? null })),
    schedule: conn.schedule, running, nextRunDue: due,
    lastRunAt: conn.last_run_at, nextRunAt: conn.schedule === 'manual' ? null : due ? now : conn.next_run_at, deltaSync: conn.users_delta_link !== null, syncPhotos: Number(conn.sync_photos) === 1, peopleInScope: await deps.store.entra.scopeCount(listId),
  };
}
