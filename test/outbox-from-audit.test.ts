/**
 * One copy of a change (issue 16, item 3; migration 039): a person.created or person.updated
 * event written while the audit trail is on stores no payload and names its audit event, and
 * the outbox derives the payload from it when read, the same as the change made it. Audit
 * retention writes the payload into such a row before removing its audit event; with the trail
 * off, the outbox keeps its own copy. On the engine MUSTER_TEST_ENGINE names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DomainEvent } from '../src/events/types.js';
import { eventsFor } from '../src/events/from-audit.js';
import { canonical, type FieldChange } from '../src/roster/audit.js';
import { payloadFromAudit, type EventRow } from '../src/store/events-repo.js';
import { pack, packOrNull } from '../src/store/sqlite/packed-text.js';
import { PAYLOAD_COPY } from '../src/store/audit-repo.js';
import { patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

const PERSON_EVENTS = ['person.created', 'person.updated', 'person.deactivated', 'person.reactivated', 'person.deleted'] as const;

/** The person events of a list, raw: what is stored, not what is read. */
async function rawRows(srv: TestServer, listId: string) {
  return srv.muster.store.db.selectFrom('outbox_events').select(['id', 'type', 'payload', 'audit_seq', 'occurred_at'])
    .where('list_id', '=', listId).where('type', 'in', PERSON_EVENTS).orderBy('id').execute();
}

/** The person events of a list as read back. */
async function readBack(srv: TestServer, listId: string): Promise<DomainEvent[]> {
  return srv.muster.store.events.readAfter({ listId, types: PERSON_EVENTS, afterId: 0, limit: 1000 });
}

describe('with the audit trail on', () => {
  let srv: TestServer;
  let list: TestList;
  const nudged: DomainEvent[] = [];

  beforeAll(async () => {
    srv = await startServer();
    list = await srv.newList({ name: 'Staff' });
    srv.muster.store.onEventsCommitted((events) => nudged.push(...events.filter((e) => e.listId === list.id && e.type.startsWith('person.'))));
  });
  afterAll(async () => {
    await srv.close();
  });

  it('person events store no payload, name their audit event, occurred at its time, and read back as the change made them', async () => {
    const created = await list.req('POST', '/Users', user('zoë.ünïcode', { title: 'Ingénieure 技师', name: { givenName: 'Zoë', familyName: "O'Brien \u{1F600}" } }));
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }))).status).toBe(200);
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }, { op: 'replace', path: 'title', value: 'Gone' }))).status).toBe(200);
    expect((await list.req('DELETE', `/Users/${id}`)).status).toBe(204);

    const raw = await rawRows(srv, list.id);
    expect(raw.map((r) => r.type)).toEqual(['person.created', 'person.updated', 'person.deactivated', 'person.updated', 'person.deleted']);
    const audit = await srv.muster.store.audit.query({ listId: list.id, order: 'asc', limit: 100 });
    const auditBySeq = new Map(audit.map((a) => [a.seq, a]));
    for (const r of raw) {
      if (r.type === 'person.created' || r.type === 'person.updated') {
        expect(r.payload).toBe('');
        expect(r.audit_seq).not.toBeNull();
        const a = auditBySeq.get(Number(r.audit_seq))!;
        expect(a.target_id).toBe(id);
        expect(r.occurred_at).toBe(a.time);
      } else {
        expect(r.audit_seq).toBeNull();
        expect(JSON.parse(r.payload)).toMatchObject({ userName: 'zoë.ünïcode' });
      }
    }

    // Read back (by id and by page), the payloads are the ones this node's commits handed over.
    const read = await readBack(srv, list.id);
    expect(read.map((e) => e.id)).toEqual(raw.map((r) => Number(r.id)));
    expect(JSON.parse(JSON.stringify(read))).toEqual(JSON.parse(JSON.stringify(nudged)));
    const byIds = await srv.muster.store.events.byIds(read.map((e) => e.id));
    expect(JSON.parse(JSON.stringify(byIds))).toEqual(JSON.parse(JSON.stringify(read)));
    const first = read[0]!;
    expect(first.type === 'person.created' && first.payload).toMatchObject({ userName: 'zoë.ünïcode', source: 'scim', active: true, fields: { job_title: 'Ingénieure 技师' } });
    const last = read[3]!;
    expect(last.type === 'person.updated' && last.payload.changes.job_title).toEqual({ before: 'Lead', after: 'Gone' });
  });

  it('audit retention writes the payload into the events that read it before it removes their audit events', async () => {
    const l2 = await srv.newList({ name: 'Pruned', org: 'Pruning organisation' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await l2.req('POST', '/Users', user(`p${i}`, { title: `T${i}` }))).body.id as string);
    expect((await l2.req('PATCH', `/Users/${ids[0]}`, patch({ op: 'replace', path: 'title', value: 'Changed' }))).status).toBe(200);
    const before = JSON.parse(JSON.stringify(await readBack(srv, l2.id))) as DomainEvent[];
    expect((await rawRows(srv, l2.id)).filter((r) => r.audit_seq !== null)).toHaveLength(4);
    const untouched = await rawRows(srv, list.id);

    // Three at a time: the copy goes round its loop, and stops when a query finds fewer.
    const chunk = PAYLOAD_COPY.chunk;
    PAYLOAD_COPY.chunk = 3;
    const dropped = await srv.muster.audit.prune(srv.muster.store, l2.id, new Date(Date.now() + 60_000).toISOString()).finally(() => {
      PAYLOAD_COPY.chunk = chunk;
    });
    expect(dropped).toBeGreaterThanOrEqual(4);
    expect(await srv.muster.store.audit.query({ listId: l2.id, order: 'asc', limit: 100 })).toEqual([]);

    const raw = await rawRows(srv, l2.id);
    expect(raw.every((r) => r.audit_seq === null && r.payload !== '')).toBe(true);
    expect(JSON.parse(JSON.stringify(await readBack(srv, l2.id)))).toEqual(before);
    expect((await srv.muster.audit.verify(srv.muster.store, l2.id)).ok).toBe(true);
    // Another list's rows still read from their own trail.
    expect(await rawRows(srv, list.id)).toEqual(untouched);
  });
});

describe('with the audit trail off', () => {
  let srv: TestServer;
  let list: TestList;

  beforeAll(async () => {
    srv = await startServer({ MUSTER_AUDIT: 'off' });
    list = await srv.newList({ name: 'Unaudited' });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('the outbox keeps its own copy of every payload', async () => {
    const id = (await list.req('POST', '/Users', user('ada', { title: 'Engineer' }))).body.id as string;
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }))).status).toBe(200);
    const raw = await rawRows(srv, list.id);
    expect(raw.map((r) => [r.type, r.audit_seq])).toEqual([['person.created', null], ['person.updated', null]]);
    const read = await readBack(srv, list.id);
    expect(read[0]!.type === 'person.created' && read[0]!.payload).toMatchObject({ userName: 'ada', fields: { job_title: 'Engineer' } });
    expect(read[1]!.type === 'person.updated' && read[1]!.payload.changes.job_title).toEqual({ before: 'Engineer', after: 'Lead' });
  });
});

// What a change may hold: roster values of every JSON kind, in any script, with lone surrogates
// and NUL (which stay text, unpacked), and SCIM attributes beside them.
const jsonValue = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
const fieldKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
const changeArb: fc.Arbitrary<FieldChange> = fc.oneof(
  fc.record({ field: fieldKey.map((k) => `roster:${k}`), before: jsonValue, after: jsonValue }),
  fc.record({ field: fc.constantFrom('title', 'active', 'externalId', 'name.givenName', 'emails'), before: jsonValue, after: jsonValue }),
);

it('a payload derived from the stored audit event is the payload the change made, for any change (property)', () => {
  fc.assert(fc.property(
    fc.constantFrom('person.created', 'person.updated', 'person.deactivated', 'person.reactivated'),
    fc.array(changeArb, { maxLength: 30 }),
    fc.option(fc.dictionary(fc.constantFrom('source', 'reason', 'via'), jsonValue), { nil: undefined }),
    fc.constantFrom('scim', 'entra-sync', 'admin:x', 'system'),
    fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null }),
    fc.boolean(),
    (action, changes, detail, actor, name, packed) => {
      const target = { type: 'person' as const, id: 'p1', name };
      const made = eventsFor('o1', 'l1', { action, target, changes, detail }, actor);
      // Stored as the audit trail stores it (audit-trail.ts, audit-repo.ts): canonical JSON, packed on SQLite.
      const changesText = JSON.stringify(canonical(changes));
      const detailText = detail ? JSON.stringify(canonical(detail)) : null;
      for (const e of made.filter((m) => m.type === 'person.created' || m.type === 'person.updated')) {
        const row: EventRow = {
          id: 1, org_id: 'o1', seq: 1, list_id: 'l1', type: e.type, subject: 'p1', occurred_at: '', payload: '', audit_seq: 7,
          action, target_type: 'person', target_id: 'p1', target_name: name,
          changes: packed ? pack(changesText, 0) : changesText, detail: packed ? packOrNull(detailText, 0) : detailText, actor,
        };
        expect(JSON.parse(JSON.stringify(canonical(payloadFromAudit(row))))).toEqual(JSON.parse(JSON.stringify(canonical(e.payload))));
      }
    },
  ), { numRuns: 300 });
});

it('a row whose audit event is gone, or does not read, says so in its payload instead of stopping its readers', () => {
  const row: EventRow = {
    id: 9, org_id: 'o1', seq: 1, list_id: 'l1', type: 'person.created', subject: 'p1', occurred_at: '', payload: '', audit_seq: 7,
    action: null, target_type: null, target_id: null, target_name: null, changes: null, detail: null, actor: null,
  };
  expect(payloadFromAudit(row)).toEqual({ unavailable: 'outbox event 9: the audit event its payload is read from (list l1, #7) is not in the audit trail' });
  const edited = { ...row, action: 'person.created', target_type: 'person', target_id: 'p1', target_name: 'ada', changes: Buffer.from([1, 2, 3]), actor: 'scim' };
  expect(payloadFromAudit(edited)).toEqual({ unavailable: 'outbox event 9: the audit event its payload is read from (list l1, #7) does not read as JSON' });
  expect(payloadFromAudit({ ...edited, changes: '[]', action: 'photo.approved' })).toEqual({ unavailable: 'outbox event 9: the audit event its payload is read from (list l1, #7) makes no person.created event' });
});
