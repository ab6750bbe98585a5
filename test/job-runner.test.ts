/**
 * The job runner (src/jobs/job-runner.ts): which jobs a node claims, and what happens to a job
 * whose handler threw. A runner of the test's own runs beside the server's, on the same database,
 * as a second node would.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, unavailableBackoffMs, type JobHandler } from '../src/jobs/job-runner.js';
import { ENGINE } from './helpers/database.js';
import { startServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let listId: string;
beforeAll(async () => {
  srv = await startServer();
  const { list } = await srv.muster.lists.createList({ name: 'Jobs', uid: 'userName', org: 'Job runner organisation', syncMethod: 'none' });
  listId = list.id;
});
afterAll(() => srv.close());

const runner = (handlers: Record<string, JobHandler>) => {
  const r = new JobRunner(srv.muster.store, srv.muster.roster, srv.muster.audit, srv.muster.log);
  for (const [kind, h] of Object.entries(handlers)) r.register(kind, h);
  return r;
};
const enqueue = async (kind: string, params: unknown = {}) => {
  const id = randomUUID();
  await srv.muster.store.roster.enqueue({ id, listId, kind, params, total: 1, now: new Date().toISOString() });
  return id;
};
const job = async (id: string) => (await srv.muster.store.roster.job(id))!;

describe(`job runner (${ENGINE})`, () => {
  it('claims only the kinds it has handlers for: a job of a kind a node does not know waits for one that does', async () => {
    const kind = `test.newer-${randomUUID().slice(0, 8)}`;
    const id = await enqueue(kind, { n: 1 });
    // The server's runner (an older node, as far as this kind goes) leaves it queued.
    expect(await srv.muster.jobs.runOnce()).toBe(false);
    expect(await srv.muster.jobs.runOnce([kind])).toBe(false);
    expect(await job(id)).toMatchObject({ status: 'queued', attempts: 0, error: null });
    // A node that knows the kind works it.
    const seen: unknown[] = [];
    const newer = runner({ [kind]: async (j) => (seen.push(JSON.parse(j.params)), { ok: true }) });
    expect(await newer.runOnce()).toBe(true);
    expect(seen).toEqual([{ n: 1 }]);
    expect(await job(id)).toMatchObject({ status: 'done', result: '{"ok":true}' });
    expect(await newer.runOnce()).toBe(false);
  });

  it('a handler that found the database unavailable puts its job back with its progress, and the job runs again from there', async () => {
    const kind = `test.outage-${randomUUID().slice(0, 8)}`;
    const id = await enqueue(kind, { from: 0 });
    const runs: { params: unknown; attempts: number }[] = [];
    const r = runner({
      [kind]: async (j, save) => {
        const params = JSON.parse(j.params) as { from: number };
        runs.push({ params, attempts: Number(j.attempts) });
        if (runs.length === 1) {
          expect(await save({ from: 5 }, 5)).toBe(true);
          // What pg throws when PostgreSQL shuts down under a statement (SQLSTATE 57P01).
          throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
        }
        return { from: params.from };
      },
    });
    const before = Date.now();
    expect(await r.runOnce()).toBe(true);
    const deferred = await job(id);
    expect(deferred).toMatchObject({ status: 'queued', locked_by: null, done: 5 });
    expect(deferred.error).toMatch(/^the database was unavailable \(error: terminating connection due to administrator command\); retried after 15 s$/i);
    expect(Date.parse(deferred.locked_until!)).toBeGreaterThanOrEqual(before + 15_000);
    // Not before its time, on any node.
    expect(await r.runOnce()).toBe(false);
    await srv.muster.store.db.updateTable('jobs').set({ locked_until: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
    expect(await r.runOnce()).toBe(true);
    expect(runs).toEqual([{ params: { from: 0 }, attempts: 1 }, { params: { from: 5 }, attempts: 2 }]);
    expect(await job(id)).toMatchObject({ status: 'done', result: '{"from":5}' });
  });

  it('a handler that failed for another reason fails its job, with the error to show', async () => {
    const kind = `test.broken-${randomUUID().slice(0, 8)}`;
    const id = await enqueue(kind);
    const r = runner({ [kind]: async () => { throw new TypeError('cannot read the template'); } });
    expect(await r.runOnce()).toBe(true);
    expect(await job(id)).toMatchObject({ status: 'failed', error: 'TypeError: cannot read the template', locked_until: null });
    expect(await r.runOnce()).toBe(false);
  });

  it('property: the wait after an outage starts at 15 s, never shrinks from one attempt to the next, and stays within 10 minutes', () => {
    expect(unavailableBackoffMs(1)).toBe(15_000);
    expect(unavailableBackoffMs(2)).toBe(30_000);
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
      const ms = unavailableBackoffMs(n);
      expect(ms).toBeGreaterThanOrEqual(15_000);
      expect(ms).toBeLessThanOrEqual(600_000);
      expect(unavailableBackoffMs(n + 1)).toBeGreaterThanOrEqual(ms);
    }));
  });
});
