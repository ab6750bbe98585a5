// The HTTP face of the emulator: the token endpoint and the /v1.0 routes. Every Graph answer
// carries request-id and client-request-id headers (client-request-id echoes the caller's), and
// every error is rendered here, in one place, in Graph's envelope.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokens, AppRegistration } from './auth.js';
import { issueToken, permits } from './auth.js';
import type { DeltaPage } from './delta.js';
import { groupsDeltaPage, parseScopeFilter, parseSelect, renderGroup, renderUser, USER_TYPE, usersDeltaPage } from './delta.js';
import type { Directory } from './directory.js';
import { errors, GraphError, graphErrorBody, TokenError, tokenErrorBody } from './errors.js';
import type { Faults } from './faults.js';
import { listGroups, listQueryFromToken, parseListQuery } from './group-list.js';
import type { StateToken, StateTokens } from './state-token.js';

export interface RecordedRequest {
  readonly method: string;
  /** Decoded path, e.g. "/v1.0/users/delta" or "/{tenant}/oauth2/v2.0/token". */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** Date.now() when the answer was sent. */
  readonly at: number;
}

export interface ServerState {
  readonly dir: Directory;
  readonly app: AppRegistration;
  readonly pageSize: number;
  readonly tokenLifetimeS: number;
  readonly accessTokens: AccessTokens;
  readonly stateTokens: StateTokens;
  readonly faults: Faults;
  readonly requests: RecordedRequest[];
  /** Bumped by expireDeltaTokens(); older tokens get `resyncStatus`. */
  deltaEpoch: number;
  resyncStatus: 400 | 410;
  /** Emit a UTF-8 BOM before text/plain $count bodies (see index.ts). */
  countBom: boolean;
  baseUrl: string;
}

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const DELTA_SEGMENTS = new Set(['delta', 'delta()', 'microsoft.graph.delta', 'microsoft.graph.delta()']);

interface Reply { status: number; headers: Record<string, string>; body: string | Buffer }

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  ({ status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(body) });

export function createHandler(s: ServerState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const path = url.pathname.split('/').map((seg) => safeDecode(seg)).join('/');
      const requestId = randomUUID();
      const clientRequestId = header(req, 'client-request-id') ?? requestId;
      let reply: Reply;
      try {
        reply = route(s, req, url, path, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        if (err instanceof GraphError) {
          reply = json(err.status, graphErrorBody(err, requestId, clientRequestId), { ...err.headers });
        } else if (err instanceof TokenError) {
          reply = json(err.status, tokenErrorBody(err));
        } else {
          // Never disguise an emulator bug as a Graph answer.
          const e = new GraphError(500, 'InternalServerError', `Emulator error: ${(err as Error).message}`);
          reply = json(500, graphErrorBody(e, requestId, clientRequestId));
        }
      }
      s.requests.push({
        method: req.method ?? 'GET', path, query: Object.fromEntries(url.searchParams),
        status: reply.status, at: Date.now(),
      });
      res.writeHead(reply.status, {
        ...reply.headers, 'request-id': requestId, 'client-request-id': clientRequestId,
        'Cache-Control': 'no-cache', 'Strict-Transport-Security': 'max-age=31536000',
      });
      res.end(reply.body);
    });
  };
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function route(s: ServerState, req: IncomingMessage, url: URL, path: string, body: string): Reply {
  const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
  if (tokenPath) {
    if (req.method !== 'POST') throw new TokenError(400, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    const fault = s.faults.take('token', () => url.href);
    if (fault) throw fault;
    const form = new URLSearchParams(body);
    return json(200, issueToken(tokenPath[1] ?? '', form, header(req, 'authorization'), s.app, s.tokenLifetimeS, s.accessTokens));
  }
  if (!path.startsWith('/v1.0/')) throw errors.notFound(path);
  const rel = path.slice('/v1.0/'.length).replace(/\/+$/, '');
  const auth = header(req, 'authorization');
  if (!auth?.startsWith('Bearer ') || auth.length <= 7) throw errors.missingToken();
  const granted = s.accessTokens.check(auth.slice(7).trim());
  if (!granted) throw errors.invalidToken();
  const fault = s.faults.take(rel, () => resyncLocation(s, rel, url.searchParams));
  if (fault) throw fault;
  if (req.method !== 'GET') throw errors.methodNotAllowed();

  const need = (perm: string): void => {
    if (!permits(granted, perm)) throw errors.denied();
  };
  const eventual = header(req, 'consistencylevel')?.toLowerCase() === 'eventual';
  const q = url.searchParams;
  const [collection, id, nav, value, ...rest] = rel.split('/');
  if (collection !== 'users' && collection !== 'groups') throw errors.noSegment(collection ?? '');
  need(collection === 'users' ? 'User.Read.All' : 'GroupMember.Read.All');
  if (rest.length > 0) throw errors.noSegment(rest[0] ?? '');

  if (id !== undefined && DELTA_SEGMENTS.has(id) && nav === undefined) {
    return delta(s, collection, q, /return=minimal/i.test(header(req, 'prefer') ?? ''));
  }
  if (id === '$count' && nav === undefined) {
    if (!eventual) throw errors.countNeedsEventual();
    const n = collection === 'users' ? s.dir.users.size : s.dir.groups.size;
    return { status: 200, headers: { 'Content-Type': 'text/plain;charset=utf-8' }, body: `${s.countBom ? '\ufeff' : ''}${n}` };
  }
  if (collection === 'groups') {
    if (id === undefined) return groupList(s, q, eventual);
    const group = s.dir.groups.get(id);
    if (!group) throw errors.notFound(id);
    if (nav !== undefined) throw new GraphError(501, 'NotImplemented', `The emulator does not implement groups/{id}/${nav}.`);
    return json(200, { '@odata.context': `${s.baseUrl}/v1.0/$metadata#groups/$entity`, ...renderGroup(group, parseSelect(q.get('$select'), 'group')) });
  }
  if (id === undefined) throw new GraphError(501, 'NotImplemented', 'The emulator implements users/delta, not the users list.');
  const user = s.dir.users.get(id) ?? [...s.dir.users.values()].find((u) => u.userPrincipalName.toLowerCase() === id.toLowerCase());
  if (!user) throw errors.notFound(id);
  if (nav === undefined) {
    const out = { '@odata.context': `${s.baseUrl}/v1.0/$metadata#users/$entity`, ...renderUser(user, parseSelect(q.get('$select'), 'user')) };
    // user-list-manager: the manager comes with $expand=manager (optionally ($select=…)), not $select.
    const expand = q.get('$expand');
    if (expand !== null) {
      const m = /^manager(?:\(\$select=([^)]*)\))?$/i.exec(expand.trim());
      if (!m) throw errors.unsupportedQuery(`The emulator only supports $expand=manager, not '${expand}'.`);
      const manager = user.managerId ? s.dir.users.get(user.managerId) : undefined;
      if (manager) Object.assign(out, { manager: { '@odata.type': USER_TYPE, ...renderUser(manager, parseSelect(m[1] ?? null, 'user')) } });
    }
    return json(200, out);
  }
  if (nav === 'manager' && value === undefined) {
    const manager = user.managerId ? s.dir.users.get(user.managerId) : undefined;
    if (!manager) throw errors.notFound('manager');
    const select = parseSelect(q.get('$select'), 'user');
    return json(200, {
      '@odata.context': `${s.baseUrl}/v1.0/$metadata#directoryObjects/$entity`,
      '@odata.type': USER_TYPE,
      ...renderUser(manager, select),
    });
  }
  if (nav === 'photo' && value === '$value') {
    const photo = s.dir.photos.get(user.id);
    if (!photo) throw errors.imageNotFound();
    return { status: 200, headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(photo.length) }, body: photo };
  }
  throw errors.noSegment(nav ?? '');
}

function link(s: ServerState, kind: 'users' | 'groups', param: '$skiptoken' | '$deltatoken', token: string): string {
  return `${s.baseUrl}/v1.0/${kind}/delta?${param}=${encodeURIComponent(token)}`;
}

function decodeToken(s: ServerState, kind: 'users' | 'groups', raw: string, linkType: 'next' | 'delta'): StateToken {
  const token = s.stateTokens.decode(raw, kind, linkType);
  if (!token) throw errors.badToken(linkType === 'next' ? '$skiptoken' : '$deltatoken');
  if (token.epoch !== s.deltaEpoch) {
    throw errors.resync(s.resyncStatus, 'syncStateNotFound', initialLink(s, kind, token.select, token.filter));
  }
  return token;
}

/** The documented resync target: the initial request's URL with an empty $deltaToken. */
function initialLink(s: ServerState, kind: 'users' | 'groups', select: readonly string[] | null,
  filter: StateToken['filter']): string {
  let out = `${s.baseUrl}/v1.0/${kind}/delta?$deltatoken=`;
  if (select) out += `&$select=${encodeURIComponent(select.join(','))}`;
  if (Array.isArray(filter)) out += `&$filter=${encodeURIComponent(filter.map((id) => `id eq '${id}'`).join(' or '))}`;
  return out;
}

function resyncLocation(s: ServerState, rel: string, q: URLSearchParams): string {
  const kind = rel.startsWith('users') ? 'users' : 'groups';
  const raw = q.get('$skiptoken') ?? q.get('$deltatoken');
  const token = raw ? s.stateTokens.decode(raw, kind, q.has('$skiptoken') ? 'next' : 'delta') : null;
  if (token) return initialLink(s, kind, token.select, token.filter);
  return `${s.baseUrl}/v1.0/${rel}${q.size > 0 ? `?${q.toString()}` : ''}`;
}

function delta(s: ServerState, kind: 'users' | 'groups', q: URLSearchParams, minimal: boolean): Reply {
  const skip = q.get('$skiptoken');
  const deltaToken = q.get('$deltatoken');
  const fresh = (): StateToken => ({
    kind, link: 'next', select: parseSelect(q.get('$select'), kind === 'users' ? 'user' : 'group'),
    filter: parseScopeFilter(q.get('$filter')), position: s.dir.position, since: null,
    offset: 0, memberOffset: 0, epoch: s.deltaEpoch,
  });
  let token: StateToken;
  let page: DeltaPage | null = null;
  if (skip) {
    token = decodeToken(s, kind, skip, 'next');
  } else if (deltaToken?.toLowerCase() === 'latest') {
    // "Sync from now" (delta-query-overview): a deltaLink at the current position, no data.
    token = fresh();
    page = { value: [], next: null };
  } else if (deltaToken) {
    const prev = decodeToken(s, kind, deltaToken, 'delta');
    // Azure AD resources accept a new $select alongside a deltaLink (delta-query-overview).
    const select = q.has('$select') ? parseSelect(q.get('$select'), kind === 'users' ? 'user' : 'group') : prev.select;
    token = { ...prev, link: 'next', select, since: prev.position, position: s.dir.position, offset: 0, memberOffset: 0 };
  } else {
    token = fresh();
  }
  page ??= kind === 'users'
    ? usersDeltaPage(s.dir, token, s.pageSize, minimal && token.since !== null)
    : groupsDeltaPage(s.dir, token, s.pageSize, minimal && token.since !== null);
  const body: Record<string, unknown> = { '@odata.context': `${s.baseUrl}/v1.0/$metadata#${kind}` };
  if (page.next) {
    body['@odata.nextLink'] = link(s, kind, '$skiptoken', s.stateTokens.encode({ ...page.next, link: 'next' }));
  } else {
    const end: StateToken = { ...token, link: 'delta', since: null, offset: 0, memberOffset: 0 };
    body['@odata.deltaLink'] = link(s, kind, '$deltatoken', s.stateTokens.encode(end));
  }
  body.value = page.value;
  return json(200, body);
}

function groupList(s: ServerState, q: URLSearchParams, eventual: boolean): Reply {
  const skip = q.get('$skiptoken');
  let query;
  let offset = 0;
  if (skip) {
    const token = s.stateTokens.decode(skip, 'groups-list', 'next');
    if (!token) throw errors.badToken('$skiptoken');
    query = listQueryFromToken(token);
    offset = token.offset;
  } else {
    query = parseListQuery(q, eventual);
  }
  const page = listGroups(s.dir, query, offset, s.deltaEpoch);
  const select = query.select ? `(${query.select.join(',')})` : '';
  const body: Record<string, unknown> = { '@odata.context': `${s.baseUrl}/v1.0/$metadata#groups${select}` };
  if (page.body['@odata.count'] !== undefined) body['@odata.count'] = page.body['@odata.count'];
  if (page.next) body['@odata.nextLink'] = `${s.baseUrl}/v1.0/groups?$skiptoken=${encodeURIComponent(s.stateTokens.encode(page.next))}`;
  body.value = page.body.value;
  return json(200, body);
}
