/**
 * The admin API under /api/v1: JSON, the same error discipline as SCIM (a clear message, the
 * right status, nothing half-applied), described by /api/v1/openapi.json. Authenticated by an
 * admin API key of one organisation (`muster admin-keys create`); a list's SCIM token never
 * opens it. Lists of other organisations do not exist as far as a key can tell (404).
 */
import { Hono, type Context } from 'hono';
import { TOKEN_PREFIX } from '../provisioning/secrets.js';
import type { AdminKeys } from '../provisioning/admin-keys.js';
import { AuditQueryError, parseAuditFilter, type AuditReader } from '../provisioning/audit-query.js';
import type { AuditTrail } from '../provisioning/audit-trail.js';
import type { MasterList, Store } from '../store/index.js';
import { OPENAPI } from './openapi.js';
import type { Logger } from './scim-response.js';

export interface AdminDeps {
  readonly store: Store;
  readonly adminKeys: AdminKeys;
  readonly reader: AuditReader;
  readonly audit: AuditTrail;
  readonly log: Logger;
}

type Env = { Variables: { orgId: string; keyId: string } };

class ApiError extends Error {
  constructor(readonly status: 400 | 401 | 404 | 409 | 500, readonly code: string, message: string) {
    super(message);
  }
}

const problem = (c: Context, status: ApiError['status'], code: string, detail: string) =>
  c.json({ error: code, detail }, status, status === 401 ? { 'www-authenticate': 'Bearer realm="muster-admin"' } : {});

function intParam(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'invalid_parameter', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function adminRoutes(deps: AdminDeps): Hono<Env> {
  const api = new Hono<Env>();

  api.get('/openapi.json', (c) => c.json(OPENAPI));

  api.use('*', async (c, next) => {
    if (c.req.path.endsWith('/openapi.json')) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (m?.[1]?.startsWith(TOKEN_PREFIX)) return problem(c, 401, 'unauthorized', 'a list\'s SCIM token cannot be used on the admin API; use an admin API key (muster admin-keys create)');
    const key = m ? await deps.adminKeys.authenticate(m[1]!) : undefined;
    if (!key) return problem(c, 401, 'unauthorized', 'send "Authorization: Bearer <admin API key>"; create one with: muster admin-keys create --org ORG');
    c.set('orgId', key.orgId);
    c.set('keyId', key.id);
    return next();
  });

  const listOf = async (c: Context<Env>): Promise<MasterList> => {
    const list = await deps.store.lists.get(c.req.param('listId') ?? '');
    if (!list || list.orgId !== c.get('orgId')) throw new ApiError(404, 'not_found', `no list "${c.req.param('listId')}" in your organisation`);
    return list;
  };

  api.get('/lists', async (c) => {
    const lists = await deps.store.lists.all(c.get('orgId'));
    const out = [];
    for (const l of lists) {
      const total = await deps.store.users.count({ listId: l.id });
      out.push({ id: l.id, name: l.name, uidAttribute: l.uidAttribute, syncMethod: l.syncMethod, externalIdUnique: l.externalIdUnique, createdAt: l.createdAt, people: total });
    }
    return c.json({ lists: out });
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
    return new Response(deps.reader.export(list.id, filter, format), {
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
    const list = await listOf(c);
    const q = c.req.query();
    return c.json(await deps.reader.requests(list.id, {
      failedOnly: q.failed === 'true', limit: intParam(q.limit, 'limit', 50, 1, 500),
      ...(q.requestId ? { requestId: q.requestId } : {}),
      ...(q.cursor ? { cursor: intParam(q.cursor, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
    }));
  });

  api.notFound((c) => problem(c, 404, 'not_found', `no admin endpoint ${c.req.method} ${c.req.path}; see /api/v1/openapi.json`));
  api.onError((err, c) => {
    if (err instanceof ApiError) return problem(c, err.status, err.code, err.message);
    if (err instanceof AuditQueryError) return problem(c, 400, 'invalid_parameter', err.message);
    deps.log.error('admin API error', { path: c.req.path, err: err.stack });
    return problem(c, 500, 'internal', 'internal error; the request changed nothing');
  });
  return api;
}
