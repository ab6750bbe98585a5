/**
 * Graceful shutdown (issue 17, item 6): the real `muster serve` process, under a stream of SCIM
 * writes and with an Entra run claimed (its token endpoint never answers), gets SIGTERM. It must
 * stop accepting, answer every request it had taken, hand the claimed job back to the queue and
 * exit 0: every request that got an answer got a success, every acknowledged write is in the
 * database, and no job is left claimed by the stopped node. Needs `npx tsc -p tsconfig.json`
 * (bin/muster.js runs dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildMuster, openStore } from '../src/main.js';
import { ENTRA_JOB } from '../src/sync/entra-sync.js';
import { freshDatabase, type TestDatabase } from './helpers/database.js';
import { user } from './helpers/server.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'muster.js');
const KEY = Buffer.alloc(32, 7).toString('base64');
const GROUP = '11111111-2222-3333-4444-555555555555';
let db: TestDatabase;
let dataDir: string;
/** An identity platform that takes connections and never answers: the Entra run stays claimed. */
let silent: http.Server;
const held: http.ServerResponse[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-shutdown-'));
  silent = http.createServer((_req, res) => void held.push(res));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const r of held) r.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  MUSTER_DATABASE_URL: db.url, MUSTER_DATA_DIR: dataDir, MUSTER_SECRET_KEY: KEY, MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true',
  MUSTER_LOG_LEVEL: 'silent', MUSTER_RATE_LIMIT: '0', MUSTER_DEMO: 'false', HOST: '127.0.0.1',
});

/** Waits for the banner line that says the server listens; answers its origin. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${out}`)));
  });
}

describe('SIGTERM', () => {
  it('finishes in-flight requests, fails no acknowledged one, hands back the claimed job and exits 0', async () => {
    // Set up in this process, on the same database: a SCIM list for the load, an Entra list whose run will hang.
    const setup = await buildMuster(loadConfig(env()), undefined, false);
    let scim: { id: string; token: string }, entraList: string;
    try {
      const s = await setup.lists.createList({ name: 'Staff', uid: 'userName', org: 'Test organisation' });
      scim = { id: s.list.id, token: s.token!.secret };
      const e = await setup.lists.createList({ name: 'Entra', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
      entraList = e.list.id;
      const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      await setup.entra.connect(e.list, { tenantId: 'tenant', clientId: 'client', clientSecret: 'secret', groupIds: [GROUP], schedule: 'manual', authorityUrl: silentUrl, graphUrl: silentUrl });
      await setup.entra.enqueue(entraList, 'manual');
    } finally {
      await setup.close();
    }

    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, ...env(), MUSTER_SHUTDOWN_GRACE_SECONDS: '3' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const origin = await listening(child);
      const base = `${origin}/scim/v2/lists/${scim.id}`;
      // The Entra run is claimed once its token request reaches the silent endpoint.
      for (let i = 0; i < 600 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(held.length, 'the Entra run never started').toBeGreaterThan(0);

      const acknowledged = new Map<string, string>(); // userName -> id
      const failedAnswers: string[] = [];
      let unanswered = 0, n = 0, stop = false;
      const worker = async (w: number) => {
        while (!stop) {
          const userName = `load-${w}-${n++}@example.com`;
          let res: Response;
          try {
            res = await fetch(`${base}/Users`, { method: 'POST', headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(user(userName)) });
          } catch {
            // Refused or cut before an answer: not acknowledged, so the client would retry it.
            unanswered++;
            if (child.exitCode !== null || unanswered > 50) return;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          const text = await res.text();
          if (res.status === 201) acknowledged.set(userName, (JSON.parse(text) as { id: string }).id);
          else failedAnswers.push(`${res.status} ${text.slice(0, 200)}`);
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => worker(w));
      for (let i = 0; i < 400 && acknowledged.size < 40; i++) await new Promise((r) => setTimeout(r, 50));
      expect(acknowledged.size).toBeGreaterThanOrEqual(40);
      child.kill('SIGTERM');
      const code = await exited;
      stop = true;
      await Promise.all(workers);
      expect(code, stderr).toBe(0);
      expect(failedAnswers).toEqual([]);

      // Every acknowledged write is there, and no job is still claimed.
      const after = await buildMuster(loadConfig(env()), undefined, false);
      try {
        const ids = new Set((await after.store.db.selectFrom('users').select('id').where('list_id', '=', scim.id).execute()).map((r) => r.id));
        const missing = [...acknowledged].filter(([, id]) => !ids.has(id));
        expect(missing).toEqual([]);
        const claimed = await after.store.db.selectFrom('jobs').select(['id', 'kind', 'status', 'locked_by']).where('status', '=', 'running').execute();
        expect(claimed).toEqual([]);
        const run = await after.store.db.selectFrom('jobs').selectAll().where('list_id', '=', entraList).where('kind', '=', ENTRA_JOB).executeTakeFirstOrThrow();
        // Handed back: queued again, claimable at once, the interrupted claim not counted as an attempt.
        expect(run).toMatchObject({ status: 'queued', locked_by: null, locked_until: null, attempts: 0 });
        const verify = await after.audit.verify(after.store, scim.id);
        expect(verify.ok).toBe(true);
      } finally {
        await after.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

describe('stopping the job runner', () => {
  it('hands back an email whose send has not finished within the grace period: queued again, due at once, the attempt not counted', async () => {
    // An SMTP server that takes the connection and never greets: the send hangs until its timeout.
    const sockets: net.Socket[] = [];
    const smtp = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const own = await freshDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-shutdown-mail-'));
    try {
      const config = loadConfig({
        MUSTER_DATABASE_URL: own.url, MUSTER_DATA_DIR: dir, MUSTER_LOG_LEVEL: 'silent', MUSTER_DEMO: 'false',
        MUSTER_SMTP_URL: `smtp://127.0.0.1:${(smtp.address() as AddressInfo).port}?tls=none`, MUSTER_SMTP_FROM: 'Muster <muster@example.com>',
      });
      const muster = await buildMuster(config);
      const id = randomUUID();
      const now = new Date().toISOString();
      await muster.store.email.enqueue([{
        id, org_id: 'org', kind: 'test', to_address: 'ada@example.com', subject: 'Hello', text_body: 'Hello', message_id: `<${id}@example.com>`,
        state: 'queued', attempts: 0, next_attempt_at: now, created_at: now, created_by: 'test', updated_at: now,
      }]);
      for (let i = 0; i < 400 && (await muster.store.email.get(id))?.state !== 'sending'; i++) await new Promise((r) => setTimeout(r, 25));
      expect((await muster.store.email.get(id))?.state).toBe('sending');
      await muster.close(200);
      expect(await muster.metrics.registry.getSingleMetricAsString('muster_shutdown_handed_back_total')).toContain('muster_shutdown_handed_back_total{queue="email"} 1');
      const store = await openStore(config);
      try {
        expect(await store.email.get(id)).toMatchObject({ state: 'queued', leased_by: null, lease_until: null, attempts: 0 });
      } finally {
        await store.close();
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await own.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('hands back a webhook delivery whose receiver has not answered within the grace period: unleased, due at once, the attempt not counted', async () => {
    // A receiver that takes the connection and never answers: the send hangs until its timeout.
    const sockets: net.Socket[] = [];
    const hook = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const own = await freshDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-shutdown-hook-'));
    try {
      const config = loadConfig({ MUSTER_DATABASE_URL: own.url, MUSTER_DATA_DIR: dir, MUSTER_LOG_LEVEL: 'silent', MUSTER_DEMO: 'false', MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true' });
      const muster = await buildMuster(config);
      const org = await muster.lists.resolveOrganisation('Test organisation');
      await muster.webhooks.create(org.id, { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, description: 'door controller' }, { actor: 'cli' });
      await muster.store.events.append([{ type: 'person.deactivated', orgId: org.id, listId: 'list-1', subject: 'p1', payload: { userName: 'p1@example.com', source: 'scim' } }]);
      const leased = async () => muster.store.db.selectFrom('webhook_deliveries').selectAll().where('event_type', '=', 'person.deactivated').executeTakeFirst();
      for (let i = 0; i < 400 && !(await leased())?.locked_by; i++) await new Promise((r) => setTimeout(r, 25));
      expect((await leased())?.locked_by).toBeTruthy();
      await muster.close(200);
      expect(await muster.metrics.registry.getSingleMetricAsString('muster_shutdown_handed_back_total')).toContain('muster_shutdown_handed_back_total{queue="webhooks"} 1');
      const store = await openStore(config);
      try {
        const d = await store.db.selectFrom('webhook_deliveries').selectAll().where('event_type', '=', 'person.deactivated').executeTakeFirstOrThrow();
        expect(d).toMatchObject({ state: 'pending', locked_by: null, locked_until: null });
        expect(Number(d.attempts)).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      await own.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
