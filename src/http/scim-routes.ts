/**
 * The SCIM 2.0 endpoints of every master list, under `/scim/v2/lists/{listId}` (RFC 7644 §3).
 * Routing is done here rather than by the framework so that endpoint names match
 * case-insensitively (`/users`, Microsoft's validator) and aliases stay in one place.
 */
import { databaseUnavailable } from '../store/unavailable.js';
import type { Context } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Normalisations } from '../scim/dialect.js';
import { ScimError, invalidValue, notFound } from '../scim/errors.js';
import { isObject, type Doc } from '../scim/resource.js';
import { LIST_RESPONSE, customExtensionSchemas, resourceTypeBodies, schemaBodies, schemaBody, serviceProviderConfig, type ResourceTypeId } from '../scim/schemas/index.js';
import type { ScimService, QueryParams, ScimCtx } from '../lists/scim-service.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { identifyIdp } from '../lists/idp.js';
import { redactBody, type RequestLog } from '../audit/request-log.js';
import type { Store } from '../store/index.js';
import type { BulkService } from '../lists/bulk-service.js';
import type { TokenAuth } from './auth.js';
import { ClientAbortedError, CLIENT_CLOSED_REQUEST, clientGone, guardUrl, readJsonBody } from './body.js';
import { InputRefused } from '../scim/input-guard.js';
import { ScanCallerGoneError } from '../store/scan-pool.js';
import type { JsonText } from '../scim/json-text.js';
import { MethodNotAllowed, RetryableScimError, errorResponse, isStreamed, scimJson, scimStream, settleOnClose, whenSent, withHeaders, type Logger, type StreamEnd } from './scim-response.js';
import { TurnGate } from '../runtime/turn-gate.js';
import { RateLimiter, addressKey } from './rate-limit.js';
import { clientAddress } from './auth-routes.js';
import type { Throttle } from '../limits/shared-rate-limiter.js';
import { scimOperation, type Metrics } from '../metrics/index.js';
import { noteRoute } from './metrics-routes.js';
import { newRequestId } from '../runtime/ids.js';

export interface ScimRouteDeps {
  readonly scim: ScimService;
  readonly bulk: BulkService;
  readonly auth: TokenAuth;
  readonly audit: AuditTrail;
  readonly requestLog: RequestLog;
  readonly store: Store;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** Per bearer token (MUSTER_RATE_LIMIT): in-process, or shared by every node (src/limits). */
  readonly rateLimiter: Throttle;
  readonly maxPageSize: number;
  readonly bulkMaxOperations: number;
  /** Bulk requests' turns by organisation on this node (BULK_TURNS). */
  readonly bulkTurns: TurnGate;
  readonly publicUrl: string | undefined;
  /** SCIM operations by kind and outcome, and each request's route template and IdP for the HTTP metrics. */
  readonly metrics: Metrics;
  /** Called after every SCIM request, for logging and (later) the request log. */
  readonly onRequest?: (info: ScimRequestInfo) => void;
}

export interface ScimRequestInfo {
  readonly requestId: string;
  readonly listId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly normalisations: readonly string[];
  readonly warnings: readonly string[];
  readonly userAgent: string | undefined;
  readonly idp: string | undefined;
  /** The client closed the connection before the answer: mid-body (status 499, nothing written) or while the request was worked (its real status). */
  readonly aborted: boolean;
}

/** A Map: looked up by a URL segment, so `/constructor` must not find Object's. */
const RESOURCE_SEGMENTS: ReadonlyMap<string, ResourceTypeId> = new Map([['users', 'User'], ['groups', 'Group']]);

function intParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidValue(`${name} must be an integer, got "${v}"`);
  return n;
}

function queryFrom(params: URLSearchParams): QueryParams {
  const get = (k: string) => {
    for (const [key, v] of params) if (key.toLowerCase() === k.toLowerCase()) return v;
    return undefined;
  };
  return {
    filter: get('filter'), sortBy: get('sortBy'), sortOrder: get('sortOrder'),
    startIndex: intParam(get('startIndex'), 'startIndex'), count: intParam(get('count'), 'count'),
    // RFC 9865 §2: `?cursor` (empty) asks for the first page of cursor paging.
    cursor: get('cursor'),
    attributes: get('attributes'), excludedAttributes: get('excludedAttributes'),
  };
}

/** A SearchRequest body (RFC 7644 §3.4.3); attributes may be arrays there. */
function queryFromSearch(body: unknown): QueryParams {
  if (!isObject(body)) throw invalidValue('a .search body must be a SearchRequest object');
  const list = (v: unknown, name: string) => {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
    if (typeof v === 'string') return v;
    throw invalidValue(`${name} must be an array of attribute names`);
  };
  const str = (v: unknown, name: string) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidValue(`${name} must be a string`);
    return v;
  };
  const num = (v: unknown, name: string) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidValue(`${name} must be an integer`);
    return v;
  };
  return {
    filter: str(body.filter, 'filter'), sortBy: str(body.sortBy, 'sortBy'), sortOrder: str(body.sortOrder, 'sortOrder'),
    startIndex: num(body.startIndex, 'startIndex'), count: num(body.count, 'count'), cursor: str(body.cursor, 'cursor'),
    attributes: list(body.attributes, 'attributes'), excludedAttributes: list(body.excludedAttributes, 'excludedAttributes'),
  };
}

/**
 * Bulk requests of one organisation processed at once on a node, and waiting; past that, 429.
 * When a Bulk request gave the event loop a turn between its operations, N of them shared it N
 * ways with every other request: eight from one organisation, 1,000 creates each, slowed another
 * organisation's PATCHes from p50 0.8 to 5.5 ms (bench/RESULTS.md, "Bulk requests take turns by
 * organisation"). The Bulk requests of a node now take one slice per turn between them
 * (bulk-service.ts, BULK_SLICE), and this limit still keeps one organisation from holding most of
 * those slices, and its bodies from filling memory. Two at a time keeps an IdP's pipelined initial
 * sync (two in flight) at full speed. A setting object so that a test can lower it.
 */
export const BULK_TURNS = { runningPerOrg: 2, waitingPerOrg: 16, retryAfterSeconds: 2 };

/**
 * Requests without a valid token (refused for it, or for their URL before it was looked at) are
 * written to the request log up to an allowance: per client address (by its /64 for IPv6:
 * addressKey), a burst of 20 and then one every 6 s, and on the node, a burst of 200 and then 5 a
 * second, whatever their addresses. Such a request names whichever list it likes in its URL, so
 * without a bound anyone could fill the request log and another organisation's view of it; and
 * it is logged only if that list exists. An IdP whose token was revoked still shows in its list's
 * log; past the allowance its requests are answered as before and counted in
 * muster_request_log_skipped_total. In memory, on each node. A settings object so that a test can
 * lower it.
 */
export const UNAUTHENTICATED_LOGGED = { perAddress: { burst: 20, perSecond: 1 / 6 }, perNode: { burst: 200, perSecond: 5 } };

/** The turns BULK_TURNS says, for ScimRouteDeps.bulkTurns. */
export const bulkTurnGate = (): TurnGate => new TurnGate(BULK_TURNS.runningPerOrg, BULK_TURNS.waitingPerOrg);

export function scimHandler(deps: ScimRouteDeps) {
  const byAddress = new RateLimiter(UNAUTHENTICATED_LOGGED.perAddress);
  const onNode = new RateLimiter(UNAUTHENTICATED_LOGGED.perNode);
  /** Whether a request without a valid token goes to the request log (UNAUTHENTICATED_LOGGED). */
  const logUnauthenticated = async (c: Context, listId: string): Promise<boolean> => {
    let skipped: 'unauthenticated' | 'unknown_list' | undefined;
    if (byAddress.take(addressKey(clientAddress(c))) > 0 || onNode.take('') > 0) skipped = 'unauthenticated';
    else if (!(await deps.store.lists.get(listId).catch(() => undefined))) skipped = 'unknown_list';
    if (skipped) deps.metrics.requestLogSkipped.inc({ reason: skipped });
    return !skipped;
  };
  return async (c: Context): Promise<Response> => {
    const started = performance.now();
    const requestId = c.req.header('x-request-id') ?? newRequestId();
    const notes = new Normalisations();
    const listId = c.req.param('listId') ?? '';
    const url = new URL(c.req.url);
    const prefix = `/scim/v2/lists/${listId}`;
    const rest = url.pathname.slice(url.pathname.indexOf(prefix) + prefix.length);
    let res: Response;
    const captured: { body?: unknown; text?: string } = {};
    const userAgent = c.req.header('user-agent');
    let ctx: ScimCtx | undefined;
    let token: Awaited<ReturnType<TokenAuth['authenticate']>>['token'] | undefined;
    try {
      guardUrl(url); // before anything reads the list id or a query parameter
      const auth = await deps.auth.authenticate(c.req.header('authorization'), listId);
      token = auth.token;
      const wait = await deps.rateLimiter.take(token.id);
      if (wait > 0) throw new RetryableScimError(429, `too many requests for this token; retry after ${wait} s (MUSTER_RATE_LIMIT)`, wait);
      const origin = deps.publicUrl ?? `${url.protocol}//${url.host}`;
      ctx = {
        list: auth.list, listHasGroups: auth.listHasGroups, baseUrl: `${origin}${prefix}`, notes,
        caller: { requestId, tokenId: token.id, tokenLabel: token.label, tokenIdp: token.idp, userAgent },
        gone: () => clientGone(c),
      };
      notes.strict = auth.list.strict;
      if (url.search.includes('+')) notes.note('plus-as-space');
      if (/[?&]$/.test(c.req.url) || url.search.endsWith('&')) notes.note('trailing-separator');
      res = await route(deps, c, ctx, rest, url.searchParams, captured);
    } catch (err) {
      // A client that hangs up mid-body sent no request: nothing was written, so nothing is
      // audited (anyone with a token could otherwise fill the tamper-evident trail), and it is
      // no server error. 499 is nginx's "client closed request", for the request log only.
      res = err instanceof ClientAbortedError || err instanceof ScanCallerGoneError ? new Response(null, { status: CLIENT_CLOSED_REQUEST }) : errorResponse(err, deps.log, requestId);
      // Throttled requests, and input refused at the boundary (malformed UTF-8, too deep, reserved
      // names, NUL: src/scim/input-guard.ts), are in the request log, not the audit trail: they
      // changed nothing and a burst of them would flood it.
      // Nor is a write the database could not take (503): recording it would wait for the same database.
      if (ctx && WRITES.has(c.req.method.toUpperCase()) && res.status !== 401 && res.status !== 429 && res.status !== CLIENT_CLOSED_REQUEST && !(err instanceof InputRefused) && !databaseUnavailable(err)) {
        await recordFailure(deps, ctx, c.req.method.toUpperCase(), url.pathname, err, res.status).catch((e: unknown) => deps.log.error('could not record a failed request', { requestId, err: String(e) }));
      }
    }
    // Which IdP-dialect normalisations this request needed (docs/scim.md#idp-dialects), for
    // whoever is troubleshooting an integration with curl; the audit trail records them too.
    // The response is rebuilt with these headers: @hono/node-server's lightweight Response does
    // not always send headers set after construction.
    const applied = notes.list();
    const rebuilt = withHeaders(res, { 'x-request-id': requestId, ...(applied.length ? { 'x-muster-normalisations': applied.join(', ') } : {}) });
    res = rebuilt.res;
    const guess = ctx ? identifyIdp({ userAgent, tokenLabel: ctx.caller.tokenLabel, tokenIdp: ctx.caller.tokenIdp, normalisations: applied }) : undefined;
    if (guess?.strong && token) await deps.auth.rememberIdp(token, guess.idp).catch(() => undefined);
    const ms = performance.now() - started;
    if (deps.requestLog.wants(res.status) && (token || (await logUnauthenticated(c, listId)))) {
      // The request log must never fail a response (issue 12, defect 6: redacting a deep body once
      // turned a committed write into a 500): whatever goes wrong here is logged, and the
      // response goes out as it would have.
      const log = (responseText: string, durationMs: number): void => {
        try {
          deps.requestLog.add({
            time: new Date().toISOString(), list_id: listId, request_id: requestId, method: c.req.method, path: url.pathname + url.search,
            status: res.status, duration_ms: Math.round(durationMs * 100) / 100, user_agent: userAgent ?? null, token_label: token?.label ?? null,
            idp: guess?.idp ?? null, request_body: redactBody(captured.text ?? captured.body), response_body: redactBody(responseText),
          });
        } catch (e) {
          deps.log.error('could not add a request to the request log', { requestId, err: String(e) });
        }
      };
      // Response bodies are kept for failures and writes (one resource each); not for successful
      // reads, whose answer can be read again, and copying every page of a list doubled the CPU a
      // request costs (bench/RESULTS.md).
      const keepBody = res.status >= 400 || c.req.method.toUpperCase() !== 'GET';
      if (isStreamed(res)) {
        // A streamed answer (a large group) is never read whole, here neither; it is logged once
        // sent, with the time its sending took and how it ended.
        whenSent(res, (how) => log(!keepBody ? '' : STREAM_NOTE[how], performance.now() - started));
      } else {
        let responseText = '';
        try {
          responseText = !keepBody ? '' : rebuilt.text() ?? (res.body ? await res.clone().text() : '');
        } catch (e) {
          deps.log.error('could not read an answer for the request log', { requestId, err: String(e) });
        }
        log(responseText, ms);
      }
    }
    // A write that completed after its client left keeps its status and its audit events: it happened.
    const aborted = res.status === CLIENT_CLOSED_REQUEST || clientGone(c);
    const op = scimOperation(c.req.method, rest);
    noteRoute(c, op.route, guess?.idp);
    deps.metrics.scimOperation(op.resource, op.operation, res.status, aborted);
    deps.onRequest?.({
      requestId, listId, method: c.req.method, path: url.pathname, status: res.status, ms,
      normalisations: applied, warnings: notes.warnings, userAgent, idp: guess?.idp, aborted,
    });
    if (isStreamed(res)) settleOnClose(res, (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing);
    return res;
  };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the request log keeps instead of a streamed answer's body. */
const STREAM_NOTE: Readonly<Record<StreamEnd, string>> = {
  sent: '(a large group, sent as it was read: not kept)',
  'client-left': '(a large group, sent as it was read: not kept; the client left before its end)',
  failed: '(a large group, sent as it was read: not kept; it failed part way, see the server log)',
};

/** A failed provisioning request leaves an event (in its own transaction: the failed one changed nothing). */
async function recordFailure(deps: ScimRouteDeps, ctx: ScimCtx, method: string, path: string, err: unknown, status: number): Promise<void> {
  const e = err instanceof ScimError ? err : undefined;
  await deps.store.transaction((tx) => deps.audit.record(tx, ctx.list.id, {
    action: 'provisioning.failed',
    detail: { method, path, status, ...(e?.scimType ? { scimType: e.scimType } : {}), detail: e?.detail ?? 'internal error' },
    normalisations: ctx.notes.list(),
  }, deps.scim.requestMeta(ctx)));
}

/**
 * Runs a Bulk request in its organisation's turn (BULK_TURNS). It waits before its body is read, so
 * a waiting request holds a socket, not a parsed body.
 */
async function bulkInTurn(turns: TurnGate, ctx: ScimCtx, run: () => Promise<Response>): Promise<Response> {
  const entered = turns.enter(ctx.list.orgId);
  if (!entered) {
    const { running, waiting } = turns.load(ctx.list.orgId);
    throw new RetryableScimError(429, `this organisation already has ${running} Bulk requests running and ${waiting} waiting on this server; try again in ${BULK_TURNS.retryAfterSeconds} s`, BULK_TURNS.retryAfterSeconds);
  }
  const release = await entered;
  try {
    return await run();
  } finally {
    release();
  }
}

async function route(deps: ScimRouteDeps, c: Context, ctx: ScimCtx, rest: string, params: URLSearchParams, captured: { body?: unknown; text?: string }): Promise<Response> {
  const method = c.req.method.toUpperCase();
  const segs = rest.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw notFound(`no such resource: "${s}" is not a valid URL path segment`);
    }
  });
  const first = segs[0]?.toLowerCase();
  /** An answer with a resource or a list of them: one string, or, holding a group of many members, sent as it is read. */
  const answer = async (doc: Doc | JsonText, status: number, headers: Record<string, string> = {}): Promise<Response> => {
    const pieces = deps.scim.streamed(doc);
    return pieces ? scimStream(pieces, status, headers, deps.log) : scimJson(doc, status, headers);
  };
  const read = (doc: Doc | JsonText, headers: Record<string, string> = {}): Promise<Response> => answer(doc, 200, headers);
  const body = async () => {
    const parsed = await readJsonBody(c.req.raw, deps.maxBodyBytes, (text) => {
      captured.text = text; // what the IdP sent, even when it is not JSON; logged as sent unless it holds a secret to redact
    }, (c.env as { incoming?: IncomingMessage } | undefined)?.incoming);
    captured.body = parsed;
    return parsed;
  };
  const allow = (methods: string[]) => {
    if (!methods.includes(method)) throw new MethodNotAllowed(methods, method, rest || '/');
  };
  if (first && segs[0] !== segs[0]!.charAt(0).toUpperCase() + segs[0]!.slice(1) && ['users', 'groups', 'bulk', 'schemas', 'resourcetypes'].includes(first)) {
    ctx.notes.note('endpoint-case');
  }

  if (segs.length === 0 || (segs.length === 1 && first === '.search')) {
    if (segs.length === 0) throw notFound('this is the SCIM base URL of a list: use /Users, /Groups, /Bulk, /Schemas, /ResourceTypes or /ServiceProviderConfig');
    allow(['POST']);
    return read(await deps.scim.queryAll(ctx, queryFromSearch(await body())));
  }

  const rt = first ? RESOURCE_SEGMENTS.get(first) : undefined;
  if (rt) {
    if (segs.length === 1) {
      allow(['GET', 'POST']);
      if (method === 'GET') return read(await deps.scim.query(ctx, rt, queryFrom(params)));
      const w = await deps.scim.create(ctx, rt, await body());
      return answer(w.resource, 201, { location: w.location, etag: w.etag });
    }
    if (segs.length === 2 && segs[1]!.toLowerCase() === '.search') {
      allow(['POST']);
      return read(await deps.scim.query(ctx, rt, queryFromSearch(await body())));
    }
    if (segs.length !== 2) throw notFound(`no such endpoint: ${rest}`);
    const id = segs[1]!;
    allow(['GET', 'PUT', 'PATCH', 'DELETE']);
    const q = queryFrom(params);
    const ifMatch = c.req.header('if-match');
    switch (method) {
      case 'GET': {
        const r = await deps.scim.get(ctx, rt, id, deps.scim.projection(rt, q.attributes, q.excludedAttributes));
        const inm = c.req.header('if-none-match');
        if (inm && inm.split(',').map((t) => t.trim()).some((t) => t === '*' || t === r.etag || t.replace(/^W\//, '') === r.etag.replace(/^W\//, ''))) {
          return new Response(null, { status: 304, headers: { etag: r.etag } });
        }
        return read(r.resource, { etag: r.etag });
      }
      case 'PUT': {
        const w = await deps.scim.replace(ctx, rt, id, await body(), ifMatch);
        return answer(deps.scim.projectWritten(rt, w.resource, q), 200, { etag: w.etag, location: w.location });
      }
      case 'PATCH': {
        // RFC 7644 §3.5.2: "200 OK and the entire resource" or, MAY, 204. Users: 200 with the
        // resource (narrowed by attributes/excludedAttributes), as Okta's and Microsoft's SCIM docs
        // show and clients that keep local state rely on. Groups: 204 unless the client asks for
        // attributes, as both document for groups (a group may hold 100,000 members).
        const wanted = rt === 'User' || q.attributes !== undefined || q.excludedAttributes !== undefined;
        const w = await deps.scim.patch(ctx, rt, id, await body(), ifMatch, wanted);
        if (!('resource' in w)) return new Response(null, { status: 204, headers: { etag: w.etag } });
        return answer(deps.scim.projectWritten(rt, w.resource, q), 200, { etag: w.etag, location: w.location });
      }
      default:
        await deps.scim.delete(ctx, rt, id, ifMatch);
        return new Response(null, { status: 204 });
    }
  }

  switch (first) {
    case 'bulk':
      allow(['POST']);
      if (segs.length !== 1) break;
      return bulkInTurn(deps.bulkTurns, ctx, async () => scimJson(await deps.bulk.run(ctx, await body())));
    case 'serviceproviderconfig':
    case 'serviceconfiguration': {
      if (first === 'serviceconfiguration') ctx.notes.note('service-configuration-alias');
      allow(['GET']);
      if (segs.length !== 1) break;
      return scimJson(serviceProviderConfig({
        baseUrl: ctx.baseUrl, documentationUri: 'https://github.com/muster-id/muster/blob/main/docs/scim.md', patch: true,
        bulk: { supported: true, maxOperations: deps.bulkMaxOperations, maxPayloadSize: deps.maxBodyBytes },
        filter: { supported: true, maxResults: deps.maxPageSize }, changePassword: false, sort: true, etag: true,
        // RFC 9865 §4. Index paging stays the default: Entra ID and Okta page with startIndex.
        pagination: { cursor: true, index: true, defaultPaginationMethod: 'index', ...deps.scim.pager.advertised },
      }));
    }
    case 'schemas':
    case 'resourcetypes': {
      allow(['GET']);
      const mapped = (await deps.store.roster.mapping(ctx.list.id)).flatMap((m) => [m.source, ...[...(m.template ?? '').matchAll(/\{([^{}]+)\}/g)].map((x) => x[1]!.trim())]);
      const custom = customExtensionSchemas(deps.scim.registry, mapped);
      const all = first === 'schemas'
        ? [...schemaBodies(deps.scim.registry, ctx.baseUrl), ...custom.map((s) => schemaBody(s, ctx.baseUrl))]
        : resourceTypeBodies(deps.scim.registry, ctx.baseUrl).map((rt) => rt.id !== 'User' ? rt : {
          ...rt, schemaExtensions: [...rt.schemaExtensions, ...custom.map((s) => ({ schema: s.id, required: false }))],
        });
      if (segs.length === 1) {
        return scimJson({ schemas: [LIST_RESPONSE], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
      }
      if (segs.length === 2) {
        const one = (all as readonly { id: string }[]).find((x) => x.id.toLowerCase() === segs[1]!.toLowerCase());
        if (!one) throw notFound(`no ${first === 'schemas' ? 'schema' : 'resource type'} "${segs[1]}"`);
        return scimJson(one);
      }
      break;
    }
    default:
      break;
  }
  throw notFound(`no such endpoint: ${rest}`);
}

export { ScimError };
