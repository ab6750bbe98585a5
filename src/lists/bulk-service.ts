/**
 * Bulk (RFC 7644 §3.7): many operations in one request, each applied on its own (one failing
 * leaves the others), `bulkId` references resolved in dependency order, `failOnErrors`
 * honoured, and maxOperations enforced (maxPayloadSize is the body limit, enforced on read).
 * Operations are applied in slices whose commits are awaited together: an operation is reported
 * done only once its commit is known, one whose commit failed is reported failed, and one that
 * refers to an operation of the same slice waits for that commit first.
 */
import { ScimError, invalidSyntax, invalidValue } from '../scim/errors.js';
import { isObject, type Doc } from '../scim/resource.js';
import { BULK_REQUEST, BULK_RESPONSE, type ResourceTypeId } from '../scim/schemas/index.js';
import type { ScimCtx, ScimService } from './scim-service.js';
import type { Logger } from '../log.js';
import { LoopTurns, yieldToEventLoop } from '../runtime/turns.js';
import { DATABASE_RETRY_AFTER_S, databaseUnavailable } from '../store/index.js';
import { merged } from '../runtime/objects.js';

interface BulkOp {
  readonly index: number;
  /** The bulkIds its path and data refer to, found once (a pass over pending operations must not walk every body again). */
  readonly refs: ReadonlySet<string>;
  readonly method: string;
  readonly bulkId: string | undefined;
  readonly version: string | undefined;
  readonly path: string;
  readonly data: unknown;
}

interface Uncommitted {
  readonly op: BulkOp;
  readonly committed: Promise<void>;
}

const BULK_REF = /^bulkId:(.+)$/;

/**
 * How long a Bulk request applies operations back to back (a slice) before it commits them, gives
 * the event loop a turn and learns whether their commit succeeded. On SQLite the operations of a
 * slice share one commit group (store/sqlite/commit-groups.ts) instead of each committing on its
 * own; a request arriving meanwhile waits about one slice for the thread, however many Bulk
 * requests are running (LoopTurns), or one operation where that takes longer (a group of many
 * members). Measured in bench/RESULTS.md, "Bulk operations share commits".
 * Mutable for tests, which make one slice of a whole request.
 */
export const BULK_SLICE = { ms: 1 };

/** The Bulk requests of this process take the event loop a slice at a time, in turns (LoopTurns). */
const sliceTurns = new LoopTurns();

const refersTo = (op: BulkOp, ids: ReadonlySet<string>): boolean => {
  for (const r of op.refs) if (ids.has(r)) return true;
  return false;
};

/** Every `bulkId:x` string inside a value. */
function refsIn(v: unknown, out: Set<string>): Set<string> {
  if (typeof v === 'string') {
    const m = BULK_REF.exec(v);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (isObject(v)) Object.values(v).forEach((x) => refsIn(x, out));
  return out;
}

function substitute(v: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof v === 'string') {
    const m = BULK_REF.exec(v);
    return m && ids.has(m[1]!) ? ids.get(m[1]!) : v;
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, ids));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, ids)]));
  return v;
}

export class BulkService {
  /** `log`: where an operation's unexpected failure is written, with its stack (the client gets its request id only). */
  constructor(private readonly scim: ScimService, private readonly maxOperations: number, private readonly log?: Logger) {}

  async run(ctx: ScimCtx, body: unknown): Promise<Doc> {
    if (!isObject(body)) throw invalidSyntax('a Bulk body must be a BulkRequest object');
    if (Array.isArray(body.schemas) && !body.schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST.toLowerCase())) {
      throw invalidSyntax(`a Bulk body must list "${BULK_REQUEST}" in "schemas"`);
    }
    const raw = body.Operations ?? body.operations;
    if (!Array.isArray(raw)) throw invalidSyntax('"Operations" must be an array');
    if (raw.length > this.maxOperations) {
      throw new ScimError(413, undefined, `a Bulk request may hold at most ${this.maxOperations} operations (ServiceProviderConfig bulk.maxOperations); this one has ${raw.length}`);
    }
    const failOnErrors = body.failOnErrors === undefined || body.failOnErrors === null ? Infinity : Number(body.failOnErrors);
    if (!Number.isInteger(failOnErrors) && failOnErrors !== Infinity) throw invalidValue('"failOnErrors" must be an integer');
    const ops: BulkOp[] = raw.map((o, index) => {
      if (!isObject(o)) throw invalidSyntax(`Operations[${index}] must be an object`);
      if (typeof o.method !== 'string' || typeof o.path !== 'string') throw invalidSyntax(`Operations[${index}] needs "method" and "path" strings`);
      return {
        index, refs: refsIn([o.path, o.data], new Set()), method: o.method.toUpperCase(), bulkId: typeof o.bulkId === 'string' ? o.bulkId : undefined,
        version: typeof o.version === 'string' ? o.version : undefined, path: o.path, data: o.data,
      };
    });
    const seen = new Set<string>();
    for (const op of ops) {
      if (op.bulkId === undefined) continue;
      if (seen.has(op.bulkId)) throw invalidValue(`bulkId "${op.bulkId}" is used by more than one operation`);
      seen.add(op.bulkId);
    }

    const resolved = new Map<string, string>();
    const failedIds = new Set<string>();
    const results = new Map<number, Doc>();
    let errors = 0;
    /** Answers `op` as failed (`answer`: its failure), and its bulkId with it. */
    const failed = (op: BulkOp, answer: Doc): void => {
      results.set(op.index, answer);
      errors++;
      if (op.bulkId) {
        resolved.delete(op.bulkId);
        failedIds.add(op.bulkId);
      }
    };
    const fail = (op: BulkOp, err: ScimError): void => failed(op, this.failure(op, err));
    // Operations applied whose commits are still to come (SQLite's commit groups), in order.
    const uncommitted: Uncommitted[] = [];
    const uncommittedIds = new Set<string>();
    let sliceStarted = performance.now();
    const settle = async (): Promise<void> => {
      // Others run meanwhile: requests, and the open group's commit. Slices whose commits are
      // grouped (SQLite) take turns with other Bulk requests; otherwise (PostgreSQL, where each
      // operation commits on its own and a slice's time is mostly the database's) a turn of the loop.
      await (uncommitted.length ? sliceTurns.next() : yieldToEventLoop());
      for (const u of uncommitted) {
        try {
          await u.committed;
        } catch (err) {
          this.log?.error('a Bulk operation was not saved: its commit failed', { requestId: ctx.caller.requestId, method: u.op.method, path: u.op.path, err: err instanceof Error ? err.message : String(err) });
          fail(u.op, new ScimError(503, undefined, `the database could not save this operation; it changed nothing, try again in ${DATABASE_RETRY_AFTER_S} seconds`));
        }
      }
      uncommitted.length = 0;
      uncommittedIds.clear();
      sliceStarted = performance.now();
    };
    let pending = ops;
    while (pending.length && errors < failOnErrors) {
      const next: BulkOp[] = [];
      let progressed = false;
      for (const op of pending) {
        // A turn for everyone else once the slice has had its time. Settled first also when
        // failOnErrors counts each error as it happens, and when the operation refers to one whose
        // commit is still to come (it must not build on a person who may not be saved).
        if (performance.now() - sliceStarted >= BULK_SLICE.ms || (uncommitted.length && (failOnErrors !== Infinity || refersTo(op, uncommittedIds)))) await settle();
        if (errors >= failOnErrors) break;
        const waiting = [...op.refs].filter((r) => !resolved.has(r));
        const blocked = waiting.find((r) => failedIds.has(r) || !seen.has(r));
        if (blocked === undefined && waiting.length) {
          next.push(op);
          continue;
        }
        progressed = true;
        if (blocked !== undefined) {
          fail(op, new ScimError(409, undefined, `operation refers to bulkId "${blocked}", which ${seen.has(blocked) ? 'failed' : 'no operation defines'}`));
          continue;
        }
        let committed: Promise<void> | undefined;
        // A write retried on a lost race hands over each attempt's commit; the last one is its own.
        const result = await this.execute(merged(ctx, { commitLater: (p: Promise<void>) => (committed = p) }), op, resolved);
        if (Number(result.status) >= 400) {
          failed(op, result);
          continue;
        }
        results.set(op.index, result);
        if (committed) {
          uncommitted.push({ op, committed });
          if (op.bulkId) uncommittedIds.add(op.bulkId);
        }
      }
      if (uncommitted.length) await settle();
      if (!progressed) {
        for (const op of next) fail(op, new ScimError(409, undefined, 'circular bulkId references cannot be resolved'));
        break;
      }
      pending = next;
    }
    const out = ops.filter((o) => results.has(o.index)).map((o) => results.get(o.index)!);
    return { schemas: [BULK_RESPONSE], Operations: out };
  }

  private failure(op: BulkOp, err: ScimError): Doc {
    return { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}), status: String(err.status), response: err.toJSON() };
  }

  private async execute(ctx: ScimCtx, op: BulkOp, resolved: Map<string, string>): Promise<Doc> {
    try {
      const path = String(substitute(op.path, resolved));
      const data = substitute(op.data, resolved);
      const m = /^\/?(users|groups)(?:\/([^/?]+))?\/?$/i.exec(path);
      if (!m) throw invalidValue(`bulk path "${op.path}" must be /Users, /Groups, /Users/{id} or /Groups/{id}`);
      const rt: ResourceTypeId = m[1]!.toLowerCase() === 'users' ? 'User' : 'Group';
      let id: string | undefined;
      try {
        id = m[2] !== undefined ? decodeURIComponent(m[2]) : undefined;
      } catch {
        throw invalidValue(`bulk path "${op.path}" has an invalid percent-escape`);
      }
      const base = { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}) };
      if (op.method === 'POST') {
        if (id !== undefined) throw invalidValue('POST takes a resource endpoint without an id');
        const w = await this.scim.create(ctx, rt, data, false);
        if (op.bulkId) resolved.set(op.bulkId, w.id);
        return merged(base, { location: w.location, version: w.etag, status: '201' });
      }
      if (id === undefined) throw invalidValue(`${op.method} needs a path with an id, such as /Users/{id}`);
      if (op.method === 'PUT' || op.method === 'PATCH') {
        const w = op.method === 'PUT' ? await this.scim.replace(ctx, rt, id, data, op.version, false) : await this.scim.patch(ctx, rt, id, data, op.version, false);
        // As the endpoints answer (docs/scim.md): PUT and a User PATCH 200, a Group PATCH 204.
        return merged(base, { location: w.location, version: w.etag, status: op.method === 'PUT' || rt === 'User' ? '200' : '204' });
      }
      if (op.method === 'DELETE') {
        await this.scim.delete(ctx, rt, id, op.version);
        return merged(base, { location: `${ctx.baseUrl}/${rt === 'User' ? 'Users' : 'Groups'}/${id}`, status: '204' });
      }
      throw invalidValue(`bulk method must be POST, PUT, PATCH or DELETE, got "${op.method}"`);
    } catch (err) {
      if (err instanceof ScimError) return this.failure(op, err);
      // The database did not answer: this operation may be retried, as a request would be (503).
      if (databaseUnavailable(err)) return this.failure(op, new ScimError(503, undefined, `the database is not answering; try again in ${DATABASE_RETRY_AFTER_S} seconds`));
      // Earlier operations are committed: answer this one as failed rather than the whole request,
      // so the client learns which resources exist (RFC 7644 §3.7.3). As for a request (scim-response.ts):
      // logged with its stack, answered without internals.
      this.log?.error('unhandled error in a Bulk operation', { requestId: ctx.caller.requestId, method: op.method, path: op.path, err: err instanceof Error ? err.stack : String(err) });
      return this.failure(op, new ScimError(500, undefined, `internal error in this operation (request id ${ctx.caller.requestId}); it changed nothing, and the operations before it stand`));
    }
  }
}
