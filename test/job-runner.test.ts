/**
 * The job runner (src/jobs/job-runner.ts): which jobs a node claims, and what happens to a job
 * whose handler threw. A runner of the test's own runs beside the server's, on the same database,
 * as a second node would.
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, UNAVAILABLE_RETRY_MS, type JobHandler } from '../src/jobs/job-runner.js';
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

const runner = (handlers: Record<string, JobHandler>, pollMs?: number) => {
  const r = new JobRunner(srv.muster.store, srv.muster.roster, srv.muster.audit, srv.muster.log, pollMs);
  for (const [kind, h] of Object.entries(handlers)) r.register(kind, h);
  return r;
};
const enqueue = async (kind: string, params: unknown = {}, ageMs = 0) => {
  const id = randomUUID();
  await srv.muster.store.roster.enqueue({ id, listId, kind, params, total: 1, now: new Date(Date.now() - ageMs).toISOString() });
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

  it('a running node passes over a job of a kind it does not know, older than the ones it works', async () => {
    const unknown = `test.unknown-${randomUUID().slice(0, 8)}`, known = `test.known-${randomUUID().slice(0, 8)}`;
    const older = await enqueue(unknown, {}, 60_000);
    const done: string[] = [];
    const r = runner({ [known]: async (j) => (done.push(j.id), {}) }, 20);
    r.start();
    try {
      // Claims go oldest first: had the runner claimed any kind, it would have taken the older job first.
      const ids = [await enqueue(known), await enqueue(known)];
      for (let i = 0; done.length < 2; i++) {
        if (i > 1000) throw new Error('the known jobs were never worked');
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(done).toEqual(ids);
    } finally {
      await r.stop();
    }
    expect(await job(older)).toMatchObject({ status: 'queued', attempts: 0, locked_by: null });
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
    expect(deferred.error).toMatch(/^the database was unavailable \(error: terminating connection due to administrator command\); retried after 30 s$/i);
    expect(Date.parse(deferred.locked_until!)).toBeGreaterThanOrEqual(before + UNAVAILABLE_RETRY_MS);
    // The run the outage cut short is not counted: handlers give up after a number of attempts.
    expect(deferred.attempts).toBe(0);
    // Not before its time, on any node.
    expect(await r.runOnce()).toBe(false);
    await srv.muster.store.db.updateTable('jobs').set({ locked_until: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
    expect(await r.runOnce()).toBe(true);
    expect(runs).toEqual([{ params: { from: 0 }, attempts: 1 }, { params: { from: 5 }, attempts: 1 }]);
    expect(await job(id)).toMatchObject({ status: 'done', result: '{"from":5}' });
  });

  it('a handler whose socket to another server failed fails its job: the database still answers, so it was no outage', async () => {
    const kind = `test.remote-${randomUUID().slice(0, 8)}`;
    const id = await enqueue(kind);
    // A port nothing listens on any more.
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    await new Promise((res) => server.close(res));
    const r = runner({
      [kind]: () => new Promise((_, reject) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', reject);
      }),
    });
    expect(await r.runOnce()).toBe(true);
    const failed = await job(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error).toMatch(/ECONNREFUSED/);
  });

  it('a handler that failed for another reason fails its job, with the error to show', async () => {
    const kind = `test.broken-${randomUUID().slice(0, 8)}`;
    const id = await enqueue(kind);
    const r = runner({ [kind]: async () => { throw new TypeError('cannot read the template'); } });
    expect(await r.runOnce()).toBe(true);
    expect(await job(id)).toMatchObject({ status: 'failed', error: 'TypeError: cannot read the template', locked_until: null });
    expect(await r.runOnce()).toBe(false);
  });
});
