/**
 * The transactional outbox's repository (issue 15, item 1), on the engine MUSTER_TEST_ENGINE
 * names: events commit with their transaction or not at all, the per-organisation seq is
 * gap-free and in id order, and a reader paging "after id" never skips an event committed by a
 * concurrent transaction on another connection (the outbox visibility gap, migration 022).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, Store, writeOutbox } from '../src/store/index.js';
import type { DomainEvent, NewDomainEvent } from '../src/events/types.js';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';

let db: TestDatabase;
let store: Store;
let other: Store;

beforeAll(async () => {
  db = await freshDatabase();
  store = new Store(await openDatabase(db.url));
  // A second pool: its transactions run on other connections, as another node's would.
  other = new Store(await openDatabase(db.url));
});
afterAll(async () => {
  await other.close();
  await store.close();
  await db.drop();
});

const ev = (orgId: string, n: number): NewDomainEvent => ({
  type: 'person.updated', orgId, listId: `list-${orgId}`, subject: `p${n}`,
  payload: { userName: `p${n}`, source: 'scim', changes: { title: { before: 'a', after: `t${n}` } } },
});

async function readAll(s: Store, q: { orgId?: string } = {}): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await s.events.readAfter({ ...q, afterId: after, limit: 500 });
    if (page.length === 0) return out;
    out.push(...page);
    after = page[page.length - 1]!.id;
  }
}

it('an append inside a transaction that rolls back leaves nothing, and uses up no id or seq', async () => {
  const org = 'org-rollback';
  await expect(store.transaction(async (tx) => {
    await tx.events.append([ev(org, 1), ev(org, 2)]);
    throw new Error('boom');
  })).rejects.toThrow('boom');
  expect(await store.events.readAfter({ orgId: org, afterId: 0, limit: 10 })).toEqual([]);
  const head = await store.events.headId();
  await store.transaction((tx) => tx.events.append([ev(org, 3)]));
  const got = await store.events.readAfter({ orgId: org, afterId: 0, limit: 10 });
  expect(got.map((e) => [e.id, e.seq, e.subject])).toEqual([[head + 1, 1, 'p3']]);
  expect(got[0]!.payload).toEqual(ev(org, 3).payload);
});

it('seq is gap-free per organisation and in the same order as the global id; filters page by id', async () => {
  for (let t = 0; t < 5; t++) {
    await store.transaction((tx) => tx.events.append([ev('org-a', t), ev('org-b', t), ev('org-a', t + 100)]));
  }
  await store.events.append([{ type: 'list.updated', orgId: 'org-b', listId: 'list-org-b', subject: null, payload: { what: 'name', source: 'admin' } }]);
  for (const org of ['org-a', 'org-b']) {
    const all = await readAll(store, { orgId: org });
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => x - y));
  }
  const b = await store.events.readAfter({ orgId: 'org-b', afterId: 0, limit: 100, types: ['list.updated'] });
  expect(b.map((e) => [e.type, e.seq])).toEqual([['list.updated', 6]]);
  expect((await store.events.readAfter({ afterId: 0, limit: 100, listId: 'list-org-a' })).length).toBe(10);
});

it('concurrent appends from two connections never let a reader paging "after id" skip or repeat an event', async () => {
  const org = (i: number) => `org-c${i % 3}`;
  const writers = 8;
  const perWriter = 25;
  const committed: number[] = [];
  let writing = true;
  // Each writer holds its transaction open after appending (the rows are written and locked but
  // not yet committed) for a random while, the window in which a sequence-numbered outbox lets a
  // later id commit first.
  const writer = async (w: number) => {
    // SQLite has one writer: a second in-process connection would busy-wait (synchronously) on
    // the first's lock while it sleeps. There the writers share one connection and the reader
    // uses the other; on PostgreSQL writers alternate between two pools.
    const s = w % 2 && ENGINE === 'postgres' ? other : store;
    for (let k = 0; k < perWriter; k++) {
      const ids = await s.db.transaction().execute(async (trx) => {
        const stored = await writeOutbox(trx, ENGINE, [ev(org(w), w * 1000 + k), ev(org(w + 1), w * 1000 + k)], new Date().toISOString());
        await sleep(Math.random() * 4);
        return stored.map((e) => e.id);
      });
      committed.push(...ids);
    }
  };
  const seen: number[] = [];
  const reader = async () => {
    let after = await store.events.headId();
    const start = after;
    while (writing) {
      const page = await other.events.readAfter({ afterId: after, limit: 50 });
      for (const e of page) seen.push(e.id);
      if (page.length > 0) after = page[page.length - 1]!.id;
      else await sleep(1);
    }
    for (;;) {
      const page = await other.events.readAfter({ afterId: after, limit: 50 });
      if (page.length === 0) break;
      for (const e of page) seen.push(e.id);
      after = page[page.length - 1]!.id;
    }
    return start;
  };
  const reading = reader();
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  writing = false;
  await reading;
  expect(committed.length).toBe(writers * perWriter * 2);
  expect(seen).toEqual([...committed].sort((x, y) => x - y));
  for (const o of ['org-c0', 'org-c1', 'org-c2']) {
    const all = await readAll(store, { orgId: o });
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  }
});

it('retention removes old events and records, per organisation, the highest id removed', async () => {
  const old = '2000-01-01T00:00:00.000Z';
  await store.events.append([{ ...ev('org-r', 1), occurredAt: old }, { ...ev('org-r', 2), occurredAt: old }, ev('org-r', 3)]);
  const before = await store.events.readAfter({ orgId: 'org-r', afterId: 0, limit: 10 });
  expect(await store.events.prunedThrough('org-r')).toBe(0);
  expect(await store.events.oldestRetainedId('org-r')).toBe(before[0]!.id);
  expect(await store.pruneEvents('2001-01-01T00:00:00.000Z', 1)).toBe(2);
  expect(await store.events.prunedThrough('org-r')).toBe(before[1]!.id);
  expect(await store.events.oldestRetainedId('org-r')).toBe(before[2]!.id);
  expect(await store.events.prunedThrough('org-a')).toBe(0);
});

it('an organisation whose events have all gone to retention carries on its seq, and ids keep rising past an empty outbox', async () => {
  const fresh = await freshDatabase();
  const s = new Store(await openDatabase(fresh.url));
  try {
    const old = '2000-01-01T00:00:00.000Z';
    await s.events.append([{ ...ev('org-x', 1), occurredAt: old }, { ...ev('org-y', 2), occurredAt: old }, { ...ev('org-x', 3), occurredAt: old }]);
    await s.transaction((tx) => tx.events.append([{ ...ev('org-x', 4), occurredAt: old }, { ...ev('org-y', 5), occurredAt: old }]));
    const before = await readAll(s);
    expect(before.map((e) => [e.orgId, e.seq])).toEqual([['org-x', 1], ['org-y', 1], ['org-x', 2], ['org-x', 3], ['org-y', 2]]);
    const last = before[before.length - 1]!.id;
    if (ENGINE === 'sqlite') {
      // On SQLite a write reads the next id and seq from the rows and moves neither counter (migration 040).
      expect(await s.db.selectFrom('outbox_head').select('last_id').executeTakeFirstOrThrow()).toEqual({ last_id: 0 });
      expect(await s.db.selectFrom('outbox_org_seq').selectAll().execute()).toEqual([]);
    }
    expect(await s.events.headId()).toBe(last);
    expect(await s.pruneEvents('2001-01-01T00:00:00.000Z', 2)).toBe(5);
    expect(await readAll(s)).toEqual([]);
    expect(await s.events.headId()).toBe(last);
    expect(await s.events.prunedThrough('org-x')).toBe(before[3]!.id);
    await s.transaction((tx) => tx.events.append([ev('org-y', 6), ev('org-x', 7), ev('org-z', 8)]));
    const after = await readAll(s);
    expect(after.map((e) => [e.id, e.orgId, e.seq])).toEqual([[last + 1, 'org-y', 3], [last + 2, 'org-x', 4], [last + 3, 'org-z', 1]]);
    // An organisation's newest event may go before an older one (occurredAt is not in id order):
    // its seq is not handed out again.
    await s.events.append([ev('org-q', 9)]);
    await s.events.append([{ ...ev('org-q', 10), occurredAt: old }]);
    expect(await s.pruneEvents('2001-01-01T00:00:00.000Z')).toBe(1);
    await s.events.append([ev('org-q', 11)]);
    expect((await readAll(s, { orgId: 'org-q' })).map((e) => [e.subject, e.seq])).toEqual([['p9', 1], ['p11', 3]]);
    // What the webhook fan-out reads: the same events, without their payloads.
    const heads = await s.events.headsAfter(0, 1000);
    expect(heads).toEqual((await readAll(s)).map(({ payload: _, ...head }) => head));
    expect(await s.events.headsAfter(heads[1]!.id, 1)).toEqual([heads[2]]);
  } finally {
    await s.close();
    await fresh.drop();
  }
});

it('a consumer is held by one node at a time, starts at the head, and only its holder moves it', async () => {
  const now = new Date().toISOString();
  const later = new Date(Date.now() + 60_000).toISOString();
  const head = await store.events.headId();
  const a = await store.events.claimConsumer('test.consumer', 'node-a', now, later);
  expect(a).toEqual({ lastId: head });
  expect(await other.events.claimConsumer('test.consumer', 'node-b', now, later)).toBeUndefined();
  expect(await other.events.advanceConsumer('test.consumer', 'node-b', head + 5, now, later)).toBe(false);
  expect(await store.events.advanceConsumer('test.consumer', 'node-a', head + 5, now, later)).toBe(true);
  expect(await store.events.advanceConsumer('test.consumer', 'node-a', head + 2, now, later)).toBe(true);
  expect(await store.events.consumerPosition('test.consumer')).toBe(head + 5);
  // An expired claim is taken over.
  expect(await other.events.claimConsumer('test.consumer', 'node-b', new Date(Date.now() + 61_000).toISOString(), new Date(Date.now() + 120_000).toISOString())).toEqual({ lastId: head + 5 });
  await other.events.releaseConsumer('test.consumer', 'node-b');
  expect(await store.events.claimConsumer('test.consumer', 'node-a', now, later)).toEqual({ lastId: head + 5 });
  // Moving the cursor renews the claim: past the first lease, another node still cannot take it.
  const renewed = new Date(Date.now() + 300_000).toISOString();
  expect(await store.events.advanceConsumer('test.consumer', 'node-a', head + 6, now, renewed)).toBe(true);
  expect(await other.events.claimConsumer('test.consumer', 'node-b', new Date(Date.now() + 61_000).toISOString(), renewed)).toBeUndefined();
  expect(await other.events.claimConsumer('test.consumer', 'node-b', new Date(Date.now() + 301_000).toISOString(), renewed)).toEqual({ lastId: head + 6 });
});

it('the events a transaction appended are announced to this process once committed, not before', async () => {
  const got: number[][] = [];
  const off = store.onEventsCommitted((events) => got.push(events.map((e) => e.seq)));
  try {
    await store.transaction(async (tx) => {
      await tx.events.append([ev('org-n', 1)]);
      expect(got).toEqual([]);
    });
    await store.transaction(async () => undefined);
    expect(got).toEqual([[1]]);
  } finally {
    off();
  }
});
