/**
 * Webhooks across a kill -9 of the delivering node (issue 15, "How it is checked"), on the engine
 * MUSTER_TEST_ENGINE names: a `muster serve` process delivers to a slow receiver on loopback and
 * is killed mid-stream; another node takes over once the dead node's leases run out. Every event
 * arrives, each under one Muster-Delivery-Id (a repeat carries the id of what it repeats), and
 * per person in order. Needs dist/ built (npx tsc -p tsconfig.json).
 */
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { AddressPolicy } from '../src/events/address-policy.js';
import type { NewDomainEvent } from '../src/events/types.js';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher.js';
import { WebhookSender } from '../src/events/webhook-sender.js';
import { openSecretKey } from '../src/secrets/index.js';
import { startChildNode } from './helpers/child-node.js';
import { call, startServer } from './helpers/server.js';
import { startReceiver } from './helpers/webhook-receiver.js';

const ALLOW = { MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true' };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const ev = (orgId: string, subject: string, n: number): NewDomainEvent => ({
  type: 'person.updated', orgId, listId: 'list-1', subject, payload: { userName: `${subject}@example.com`, source: 'scim', changes: { n: { after: n } } },
});

it('a receiver gets every event once in effect, in order per person, across a kill -9 of the delivering node', async () => {
  const srv = await startServer(ALLOW);
  cleanups.push(() => srv.close());
  // This node only appends and manages; the child process delivers.
  await srv.muster.jobs.stop();
  await srv.muster.webhookDispatcher.stop();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  const key = await srv.adminKey(org.id);
  const rec = await startReceiver();
  cleanups.push(() => rec.close());
  rec.answer = () => ({ status: 200, delayMs: 15 });
  const made = await call(`${srv.origin}/api/v1/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: rec.url }) });
  expect(made.status, made.text).toBe(201);

  const child = await startChildNode({ MUSTER_DATABASE_URL: srv.databaseUrl, MUSTER_DATA_DIR: srv.dataDir, ...ALLOW });
  cleanups.push(() => child.stop());
  const total = 150;
  for (let i = 0; i < total; i += 10) await srv.muster.store.events.append(Array.from({ length: 10 }, (_, k) => ev(org.id, `p${(i + k) % 15}`, i + k)));
  const ids = (await srv.muster.store.events.readAfter({ afterId: 0, limit: 1000 })).map((e) => e.id);
  expect(ids).toHaveLength(total);
  await rec.until((r) => r.length >= 30);
  await child.kill9();
  const atKill = rec.received.length;
  expect(atKill).toBeLessThan(total); // killed mid-stream

  // Another node, its clock two minutes on: the dead node's leases (a minute) have run out.
  const box = (await openSecretKey(loadConfig({ MUSTER_DATABASE_URL: srv.databaseUrl, MUSTER_DATA_DIR: srv.dataDir }), srv.muster.store)).box!;
  const sender = new WebhookSender(new AddressPolicy({ allowPrivate: true, allowedCidrs: [] }));
  cleanups.push(async () => sender.close());
  const d = new WebhookDispatcher(srv.muster.store, sender, () => box, srv.muster.log, { now: () => new Date(Date.now() + 120_000) });
  for (let i = 0; i < 50 && new Set(rec.received.map((r) => r.eventId)).size < total; i++) await d.drain();

  const byDelivery = new Map<string, number>();
  for (const r of rec.received) {
    const prev = byDelivery.get(r.deliveryId);
    if (prev !== undefined) expect(prev, 'a repeat carries the delivery id of what it repeats').toBe(r.eventId);
    byDelivery.set(r.deliveryId, r.eventId!);
  }
  expect(byDelivery.size).toBe(total);
  expect([...new Set(byDelivery.values())].sort((x, y) => x - y)).toEqual(ids);
  const seen = new Set<string>();
  const lastPer = new Map<string, number>();
  for (const r of rec.received) {
    if (seen.has(r.deliveryId)) continue;
    seen.add(r.deliveryId);
    expect(r.eventId!).toBeGreaterThan(lastPer.get(r.json.subject!) ?? 0);
    lastPer.set(r.json.subject!, r.eventId!);
  }
  const states = await srv.muster.store.db.selectFrom('webhook_deliveries').select('state').execute();
  expect(states.every((s) => s.state === 'delivered')).toBe(true);
}, 120_000);
