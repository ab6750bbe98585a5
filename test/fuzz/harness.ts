/**
 * What every fuzz property shares (issue 12, "How it is checked"): a real Muster on port 0 over a
 * real database of the engine MUSTER_TEST_ENGINE names, and the invariants checked after every
 * request or run:
 * - no 5xx;
 * - a refused (4xx) request changes nothing: the list's people, groups, members, fields, mapping,
 *   tokens and settings are as before, and the only audit event it may add is the one
 *   `provisioning.failed` a refused SCIM write records by design (src/http/scim-routes.ts);
 * - Object.prototype (and Array.prototype) gain, lose or change no property, and `({}).x` probes
 *   stay undefined;
 * - the list's audit chain verifies after every run;
 * - no request holds the event loop for more than 100 ms (main-thread CPU, test/helpers/loop-lag.ts).
 *
 * Runs are reproducible: FUZZ_SEED (default below) and FUZZ_RUNS (a multiplier-free run count per
 * property) override the defaults, FUZZ_PATH replays one shrunk counterexample; a failure prints
 * the command that replays it.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { AdminKeys } from '../../src/accounts/admin-keys.js';
import { ENGINE } from '../helpers/database.js';
import { LoopLagMonitor, describeLag } from '../helpers/loop-lag.js';
import { call, startServer, type ScimResult, type TestServer } from '../helpers/server.js';

export const LOOP_BUDGET_MS = 100;
export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 1212;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;

/** Property timeouts: shrinking a failure replays requests, so a failing property may take longer than a passing one. */
export const PROPERTY_TIMEOUT_MS = 180_000;
/** A request that has not answered by then fails its run (a slow request is a finding, and a hung one must not hang the suite). */
export const REQUEST_TIMEOUT_MS = 20_000;
/** Closing waits for requests still running in the server (one that timed out on the client goes on). */
export const CLOSE_TIMEOUT_MS = 180_000;

/** fast-check parameters: a fixed seed, numRuns from FUZZ_RUNS or the property's own default. */
export function params(numRuns: number): fc.Parameters<unknown> {
  return {
    seed: SEED, numRuns: RUNS ?? numRuns, endOnFailure: false,
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
    // Stop shrinking after a while: the counterexample found so far is reported.
    interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false,
  };
}

/** fc.assert with the seed printed on failure, as the command that replays it. */
export async function check<T>(file: string, property: fc.IAsyncPropertyWithHooks<T> | fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  const p = params(numRuns);
  const details = await fc.check(property, p as fc.Parameters<T>);
  if (!details.failed) {
    if (details.interrupted && details.numRuns === 0) throw new Error(`the property was interrupted before one run completed (seed ${details.seed})`);
    return;
  }
  const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} MUSTER_TEST_ENGINE=${ENGINE} npx vitest run ${file}`;
  const err = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const report = fc.defaultReportMessage(details) ?? '';
  throw new Error(`${err}\n\n${report.length > 6000 ? `${report.slice(0, 6000)}…` : report}\n\nreplay with: ${replay}`);
}

// ---------------------------------------------------------------------------- the server

export interface FuzzServer {
  readonly srv: TestServer;
  readonly adminKey: string;
  readonly orgId: string;
  readonly probe: LoopLagMonitor;
  close(): Promise<void>;
}

export async function startFuzzServer(): Promise<FuzzServer> {
  const srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  const adminKey = (await new AdminKeys(srv.muster.store, srv.muster.audit, srv.muster.lists).create(org.id, 'fuzz')).secret;
  const probe = new LoopLagMonitor().start();
  return {
    srv, adminKey, orgId: org.id, probe,
    async close() {
      probe.stop();
      await srv.close();
    },
  };
}

// ---------------------------------------------------------------------------- Object.prototype

const WATCHED: readonly [string, object][] = [['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype]];
const PROBES = ['x', 'polluted', 'detail', 'value', 'admin', 'isAdmin', 'role', 'schemas', 'id', 'emails', 'members', 'length', 'toJSON', 'then'];
const pristine = new Map<object, Map<PropertyKey, PropertyDescriptor>>(
  WATCHED.map(([, o]) => [o, new Map(Reflect.ownKeys(o).map((k) => [k, Object.getOwnPropertyDescriptor(o, k)!]))]),
);

/**
 * Differences of the watched prototypes from how they were when this module loaded; the
 * prototypes are put back as they were, so one pollution does not fail every later run (and
 * fast-check can shrink to the request that caused it).
 */
export function prototypeDamage(): string[] {
  const out: string[] = [];
  for (const [name, o] of WATCHED) {
    const before = pristine.get(o)!;
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      const was = before.get(k);
      if (!was) {
        out.push(`${name} gained ${String(k)}`);
        delete (o as Record<PropertyKey, unknown>)[k];
      } else if (was.value !== d.value || was.get !== d.get || was.set !== d.set) {
        out.push(`${name}.${String(k)} was changed`);
        Object.defineProperty(o, k, was);
      }
    }
    for (const [k, d] of before) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) {
        out.push(`${name} lost ${String(k)}`);
        Object.defineProperty(o, k, d);
      }
    }
  }
  const probe: Record<string, unknown> = {};
  for (const k of PROBES) if (k !== 'length' && probe[k] !== undefined) out.push(`({}).${k} is ${JSON.stringify(probe[k])}`);
  if (Object.getPrototypeOf({}) !== Object.prototype) out.push('({}) has another prototype');
  return out;
}

// ---------------------------------------------------------------------------- snapshots

type Row = Record<string, unknown>;
const canon = (rows: Row[]) => rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, typeof r[k] === 'object' && r[k] !== null ? JSON.stringify(r[k]) : r[k]])));

export interface Snapshot {
  readonly state: string;
  readonly auditCount: number;
}

/**
 * The state of one list (and its organisation's accounts) that a request could change: people,
 * e-mail index, groups, members, fields, mapping, tokens, settings, credentials, templates, and
 * the number of audit events. Left out: what every request updates by design (a token's last use,
 * the audit head, the request log, the attributes seen), and what background jobs derive (roster
 * fields, problems, search text) after an earlier, accepted change.
 */
export async function snapshot(f: FuzzServer, listId: string): Promise<Snapshot> {
  const db = f.srv.muster.store.db;
  const [list, users, emails, groups, members, fields, mapping, tokens, credentials, templates, admins, orgLists, audit] = await Promise.all([
    db.selectFrom('lists').select(['id', 'name', 'uid_attribute', 'sync_method', 'strict', 'external_id_unique', 'mapping_version']).where('id', '=', listId).execute(),
    db.selectFrom('users').select(['id', 'user_name', 'user_name_lc', 'external_id', 'display_name', 'active', 'data', 'version']).where('list_id', '=', listId).orderBy('id').execute(),
    db.selectFrom('user_emails').selectAll().where('list_id', '=', listId).orderBy('user_id').orderBy('value_lc').execute(),
    db.selectFrom('groups').select(['id', 'display_name', 'external_id', 'data', 'version']).where('list_id', '=', listId).orderBy('id').execute(),
    db.selectFrom('group_members').select(['group_id', 'member_id', 'member_type', 'display']).where('list_id', '=', listId).orderBy('group_id').orderBy('member_id').execute(),
    db.selectFrom('roster_fields').selectAll().where('list_id', '=', listId).orderBy('key').execute(),
    db.selectFrom('field_mappings').selectAll().where('list_id', '=', listId).orderBy('position').execute(),
    db.selectFrom('tokens').select(['id', 'label', 'revoked_at']).where('list_id', '=', listId).orderBy('id').execute(),
    db.selectFrom('credentials').selectAll().where('list_id', '=', listId).orderBy('id').execute(),
    db.selectFrom('card_templates').selectAll().where('list_id', '=', listId).orderBy('id').execute(),
    db.selectFrom('admins').select(['id', 'email', 'role', 'name']).where('org_id', '=', f.orgId).orderBy('id').execute(),
    db.selectFrom('lists').select(['id', 'name']).where('org_id', '=', f.orgId).orderBy('id').execute(),
    db.selectFrom('audit_events').select(sql<number>`count(*)`.as('n')).where('list_id', '=', listId).executeTakeFirstOrThrow(),
  ]);
  const state = JSON.stringify({
    list: canon(list), users: canon(users), emails: canon(emails), groups: canon(groups), members: canon(members), fields: canon(fields), mapping: canon(mapping),
    tokens: canon(tokens), credentials: canon(credentials), templates: canon(templates), admins: canon(admins), orgLists: canon(orgLists),
  });
  return { state, auditCount: Number(audit.n) };
}

async function newAuditActions(f: FuzzServer, listId: string, after: number): Promise<string[]> {
  const rows = await f.srv.muster.store.db.selectFrom('audit_events').select(['action']).where('list_id', '=', listId).orderBy('seq').offset(after).limit(1000).execute();
  return rows.map((r) => r.action);
}

/** Where two snapshots differ, section by section, for the failure message. */
function diff(a: string, b: string): string {
  const x = JSON.parse(a) as Record<string, string[]>;
  const y = JSON.parse(b) as Record<string, string[]>;
  const out: string[] = [];
  for (const k of Object.keys(x)) {
    const gone = x[k]!.filter((r) => !y[k]!.includes(r));
    const added = y[k]!.filter((r) => !x[k]!.includes(r));
    if (gone.length || added.length) out.push(`${k}: -${JSON.stringify(gone).slice(0, 400)} +${JSON.stringify(added).slice(0, 400)}`);
  }
  return out.join('; ');
}

// ---------------------------------------------------------------------------- requests under invariants

export interface Sent {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** The body as sent (already serialised: deep nesting is built as text). */
  readonly body?: string;
}

export interface Checked extends ScimResult {
  readonly heldMs: number;
}

const short = (s: string | undefined, n = 300) => (s === undefined ? '' : s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/**
 * Sends one request and checks the per-request invariants; `listId` is the list whose state a
 * refused request must leave alone. Throws (so fast-check shrinks) on the first broken invariant.
 */
export async function send(f: FuzzServer, listId: string, req: Sent, opts: { readOnly?: boolean } = {}): Promise<Checked> {
  const before = await snapshot(f, listId);
  f.probe.reset();
  let res: ScimResult;
  try {
    res = await call(req.url, { method: req.method, headers: req.headers ?? {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(req.body !== undefined ? { body: req.body } : {}) });
  } catch (err) {
    throw new Error(`${req.method} ${new URL(req.url).pathname}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s (${String(err)}); body ${short(req.body)}`);
  }
  const lag = f.probe.read();
  const what = `${req.method} ${new URL(req.url).pathname}${new URL(req.url).search.slice(0, 200)} body ${short(req.body)}`;
  const damage = prototypeDamage();
  if (damage.length) throw new Error(`prototype pollution after ${what} (answered ${res.status}): ${damage.join(', ')}`);
  if (res.status >= 500) throw new Error(`${res.status} for ${what}: ${short(res.text, 600)}`);
  if (lag.maxStallMs > LOOP_BUDGET_MS) throw new Error(`the event loop was held ${Math.round(lag.maxStallMs)} ms (budget ${LOOP_BUDGET_MS}; ${describeLag(lag)}) by ${what}`);
  if (res.status >= 400 || opts.readOnly) {
    const after = await snapshot(f, listId);
    if (after.state !== before.state) throw new Error(`${opts.readOnly ? 'a read' : `a refused (${res.status})`} request changed the list: ${what}: ${diff(before.state, after.state)}; answer ${short(res.text)}`);
    const added = await newAuditActions(f, listId, before.auditCount);
    const allowed = res.status >= 400 && added.length <= 1 && added.every((a) => a === 'provisioning.failed');
    if (added.length && !allowed) throw new Error(`${opts.readOnly ? 'a read' : `a refused (${res.status})`} request added audit events ${added.join(', ')}: ${what}`);
  }
  return { ...res, heldMs: lag.maxStallMs };
}

/** The audit chain of the list verifies (the same check as GET …/audit/verify and `muster audit verify`). */
export async function assertAuditVerifies(f: FuzzServer, listId: string): Promise<void> {
  const r = await f.srv.muster.audit.verify(f.srv.muster.store, listId);
  if (!r.ok) throw new Error(`the audit chain of list ${listId} no longer verifies: ${JSON.stringify(r).slice(0, 600)}`);
}

// ---------------------------------------------------------------------------- clients

export const scimHeaders = (token: string, contentType = 'application/scim+json') => ({ authorization: `Bearer ${token}`, 'content-type': contentType });
export const adminHeaders = (f: FuzzServer, contentType = 'application/json') => ({ authorization: `Bearer ${f.adminKey}`, 'content-type': contentType });
