/**
 * Outbox consumers (issue 15, item 2) on the engine MUSTER_TEST_ENGINE names: a committed event
 * is handled at once on the node that committed it (the nudge), any node's safety-net pass
 * handles what a node did not (it died, or its handler failed), and an event reached by both
 * paths on two nodes has its effect once (idempotent by event id). Plus the lifecycle as the
 * server wires it: a deactivation's revocation is visible the moment the SCIM response arrives.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutboxConsumers, type EventConsumer } from '../src/events/consumers.js';
import type { DomainEvent, NewDomainEvent } from '../src/events/types.js';
import { openDatabase, Store } from '../src/store/index.js';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';
import { call, patch, startServer, user, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let nodeA: Store;
let nodeB: Store;

beforeAll(async () => {
  db = await freshDatabase();
  nodeA = new Store(await openDatabase(db.url));
  nodeB = new Store(await openDatabase(db.url));
});
afterAll(async () => {
  await nodeB.close();
  await nodeA.close();
  await db.drop();
});

const silent = { error: () => undefined };
const ev = (i: number, type: 'person.created' | 'person.deleted' = 'person.created'): NewDomainEvent => (type === 'person.created'
  ? { type, orgId: 'org', listId: 'l', subject: `p${i}`, payload: { userName: `p${i}`, source: 'scim', active: true, externalId: null, fields: {} } }
  : { type, orgId: 'org', listId: 'l', subject: `p${i}`, payload: { userName: `p${i}`, source: 'scim' } });

/** A consumer whose effect is a row per handled event in a table of its own (so "once" is checked in the database). */
function recorder(name: string, effects: DomainEvent[], fail?: (e: DomainEvent) => boolean): EventConsumer {
  return {
    name, types: ['person.created'],
    handle: async (tx, e) => {
      if (fail?.(e)) throw new Error(`handler refused ${e.id}`);
      effects.push(e);
      // Written in the handler's transaction: a rolled-back handling leaves no record either.
      await tx.events.markProcessed(`${name}.effect`, e.id, new Date().toISOString());
    },
  };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('the node that commits handles its events at once (the nudge), in order, once; other types are not handed over', async () => {
  const effects: DomainEvent[] = [];
  const c = recorder('t.nudge', effects);
  const consumers = new OutboxConsumers(nodeA, [c], silent);
  // First sight of a consumer: its cursor starts at the head (deploying one replays no history).
  await consumers.catchUp(c);
  consumers.start();
  try {
    await nodeA.transaction((tx) => tx.events.append([ev(1), ev(2, 'person.deleted'), ev(3)]));
    await until('both created events handled', () => effects.length === 2);
    expect(effects.map((e) => e.subject)).toEqual(['p1', 'p3']);
    // The safety net finds nothing left to do.
    await consumers.catchUp(c);
    expect(effects.length).toBe(2);
  } finally {
    await consumers.stop();
  }
});

it('events committed by a node that never handled them (it died) are handled by another node\'s pass, and a failed handling is retried there in order', async () => {
  const effects: DomainEvent[] = [];
  let refuse = true;
  const c = recorder('t.net', effects, (e) => refuse && e.subject === 'p12');
  const onB = new OutboxConsumers(nodeB, [c], silent);
  await onB.catchUp(c); // the consumer exists from here on
  // Node A commits and "dies" before handling: no consumers run on A at all.
  await nodeA.transaction((tx) => tx.events.append([ev(11), ev(12), ev(13)]));
  await onB.catchUp(c);
  expect(effects.map((e) => e.subject)).toEqual(['p11']); // stopped at the failure, so order holds
  // The cursor kept just before the failing event: the next pass starts there, not where this one began.
  expect(await nodeA.events.consumerPosition('t.net')).toBe(effects[0]!.id);
  refuse = false;
  await onB.catchUp(c);
  expect(effects.map((e) => e.subject)).toEqual(['p11', 'p12', 'p13']);
});

it('two nodes, each nudged and each running the safety net at once, give every event its effect exactly once', async () => {
  const effects: DomainEvent[] = [];
  const c = recorder('t.two', effects);
  // On SQLite both "nodes" share one connection: two in-process connections would busy-wait
  // (synchronously) on each other's write lock; SQLite's nodes are processes. The two runners
  // still are two workers with their own leases, nudges and passes.
  const second = ENGINE === 'postgres' ? nodeB : nodeA;
  const a = new OutboxConsumers(nodeA, [c], silent, { pollMs: 0 });
  const b = new OutboxConsumers(second, [c], silent, { pollMs: 0 });
  await a.catchUp(c);
  a.start();
  b.start();
  let writing = true;
  const passes = (async () => {
    while (writing) {
      await Promise.all([a.drain(() => false), b.drain(() => false)]);
      await sleep(5);
    }
  })();
  const written: number[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      const s = i % 2 ? second : nodeA;
      await s.transaction((tx) => tx.events.append([ev(100 + i)]));
      written.push(100 + i);
    }
    await until('every event handled', () => effects.length >= written.length);
    writing = false;
    await passes;
    await a.catchUp(c);
    await b.catchUp(c);
  } finally {
    writing = false;
    await a.stop();
    await b.stop();
  }
  const ids = effects.map((e) => Number(e.subject!.slice(1)));
  expect(ids.sort((x, y) => x - y)).toEqual(written);
});

it('a deactivation revokes the person\'s card in its own transaction: the QR answers revoked as soon as the SCIM response arrives', async () => {
  const srv: TestServer = await startServer();
  try {
    const list = await srv.newList({ name: 'Staff' });
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const key = await srv.adminKey(org.id);
    const id = (await list.req('POST', '/Users', user('ada'))).body.id as string;
    const card = await call(`${srv.origin}/api/v1/lists/${list.id}/people/${id}/credentials`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'card' }),
    });
    expect(card.status, card.text).toBe(201);
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    const row = await srv.muster.store.credentials.get(card.body.id);
    expect(row?.status).toBe('revoked');
  } finally {
    await srv.close();
  }
});

/** A recorder that also counts, per event, how often its `relevant` read ran (every event is relevant). */
function counted(name: string, effects: DomainEvent[], looks: Map<string, number>, fail?: (e: DomainEvent) => boolean): EventConsumer {
  return {
    ...recorder(name, effects, fail),
    relevant: async (e) => {
      looks.set(e.subject!, (looks.get(e.subject!) ?? 0) + 1);
      return true;
    },
  };
}

/** Counts the outbox page reads of a store while `fn` runs. */
async function pageReads(store: Store, fn: () => Promise<void>): Promise<number> {
  const events = store.events;
  const original = events.readAfter;
  let n = 0;
  events.readAfter = (q) => {
    n++;
    return original.call(events, q);
  };
  try {
    await fn();
  } finally {
    events.readAfter = original;
  }
  return n;
}

it('the safety net does not look again at what this node\'s nudge settled, nor read a page for it; another node\'s events in between are handled', async () => {
  const effects: DomainEvent[] = [];
  const looks = new Map<string, number>();
  const c = counted('t.settled', effects, looks);
  const consumers = new OutboxConsumers(nodeA, [c], silent);
  await consumers.catchUp(c);
  consumers.start();
  try {
    // Settled by the nudge: created events handled, a deleted event not of the consumer's types.
    await nodeA.transaction((tx) => tx.events.append([ev(201), ev(202, 'person.deleted'), ev(203)]));
    await until('the nudged events handled', () => effects.length === 2);
    await consumers.nudgesDone();
    expect(await pageReads(nodeA, () => consumers.catchUp(c))).toBe(0);
    expect(Object.fromEntries(looks)).toEqual({ p201: 1, p203: 1 });
    // The cursor is at the head: a pass by any node has nothing left.
    const head = await nodeA.events.headId();
    expect(await nodeA.events.consumerPosition('t.settled')).toBe(head);

    // An event committed by another node (no nudge here) between two nudged ones: only it is looked at.
    await nodeA.transaction((tx) => tx.events.append([ev(204)]));
    await until('p204 handled', () => effects.length === 3);
    await nodeB.transaction((tx) => tx.events.append([ev(205)]));
    await nodeA.transaction((tx) => tx.events.append([ev(206)]));
    await until('p206 handled', () => effects.length === 4);
    await consumers.nudgesDone();
    expect(await pageReads(nodeA, () => consumers.catchUp(c))).toBe(1);
    expect(effects.map((e) => e.subject)).toEqual(['p201', 'p203', 'p204', 'p206', 'p205']);
    expect(Object.fromEntries(looks)).toEqual({ p201: 1, p203: 1, p204: 1, p205: 1, p206: 1 });
  } finally {
    await consumers.stop();
  }
});

it('a node remembers a bounded number of settled events: the forgotten ones are looked at again, and still have their effect once', async () => {
  const effects: DomainEvent[] = [];
  const looks = new Map<string, number>();
  const c = counted('t.kept', effects, looks);
  const consumers = new OutboxConsumers(nodeA, [c], silent, { settledKept: 3 });
  await consumers.catchUp(c);
  consumers.start();
  try {
    for (let i = 0; i < 8; i++) await nodeA.transaction((tx) => tx.events.append([ev(300 + i)]));
    await until('all eight handled', () => effects.length === 8);
    await consumers.nudgesDone();
    await consumers.catchUp(c);
    // The three newest were remembered; the five before them were read and looked at again.
    expect([...looks.values()]).toEqual([2, 2, 2, 2, 2, 1, 1, 1]);
    expect(effects.length).toBe(8);
    const processed = await nodeA.db.selectFrom('outbox_processed').select('event_id').where('consumer', '=', 't.kept.effect').execute();
    expect(processed.length).toBe(8);
  } finally {
    await consumers.stop();
  }
});

it('a safety-net pass over many events gives the event loop turns while it runs', async () => {
  const effects: DomainEvent[] = [];
  const c = recorder('t.turns', effects);
  const consumers = new OutboxConsumers(nodeA, [c], silent);
  await consumers.catchUp(c);
  // Not nudged: the pass has all of them to handle.
  await nodeA.transaction((tx) => tx.events.append(Array.from({ length: 120 }, (_, i) => ev(400 + i))));
  let handledWhenTheLoopRan = -1;
  setImmediate(() => (handledWhenTheLoopRan = effects.length));
  await consumers.catchUp(c);
  expect(effects.length).toBe(120);
  // With SQLite every await resolves as a microtask: without turns the loop would run only after the pass.
  expect(handledWhenTheLoopRan).toBeGreaterThanOrEqual(0);
  expect(handledWhenTheLoopRan).toBeLessThan(120);
});

it('an event whose nudge failed is handled by the safety net, which passes over the settled events around it', async () => {
  const effects: DomainEvent[] = [];
  const looks = new Map<string, number>();
  let refuse = true;
  const c = counted('t.failed', effects, looks, (e) => refuse && e.subject === 'p501');
  const consumers = new OutboxConsumers(nodeA, [c], silent);
  await consumers.catchUp(c);
  consumers.start();
  try {
    for (let i = 0; i < 4; i++) await nodeA.transaction((tx) => tx.events.append([ev(500 + i)]));
    await until('the three others handled', () => effects.length === 3);
    await consumers.nudgesDone();
    expect(effects.map((e) => e.subject)).toEqual(['p500', 'p502', 'p503']);
    refuse = false;
    await consumers.catchUp(c);
    expect(effects.map((e) => e.subject)).toEqual(['p500', 'p502', 'p503', 'p501']);
    // The failed one was looked at again (by the pass); the others only by their nudge.
    expect(Object.fromEntries(looks)).toEqual({ p500: 1, p501: 2, p502: 1, p503: 1 });
    expect(await nodeA.events.consumerPosition('t.failed')).toBe(await nodeA.events.headId());
  } finally {
    await consumers.stop();
  }
});
