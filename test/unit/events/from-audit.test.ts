import { describe, expect, it } from 'vitest';
import { eventsFor, sourceOf } from '../../../src/events/from-audit.js';
import { EVENT_TYPES, isEventType } from '../../../src/events/types.js';

const person = { type: 'person', id: 'p1', name: 'ada' };

describe('domain events from a change description', () => {
  it('a deactivation that also changed fields makes person.deactivated and a person.updated without `active`', () => {
    const out = eventsFor('o', 'l', {
      action: 'person.deactivated', target: person,
      changes: [{ field: 'active', before: true, after: false }, { field: 'roster:active', before: true, after: false }, { field: 'roster:job_title', before: 'A', after: null }],
    }, 'entra-sync');
    expect(out.map((e) => e.type)).toEqual(['person.deactivated', 'person.updated']);
    expect(out[1]!.payload).toEqual({ userName: 'ada', source: 'entra', changes: { job_title: { before: 'A' } } });
    expect(eventsFor('o', 'l', { action: 'person.reactivated', target: person, changes: [{ field: 'roster:active', before: false, after: true }] }, 'scim').map((e) => e.type)).toEqual(['person.reactivated']);
  });

  it('person.created carries the roster fields as created; a CSV import says so', () => {
    const [e] = eventsFor('o', 'l', { action: 'person.created', target: person, changes: [{ field: 'externalId', before: null, after: 'x1' }, { field: 'roster:first_name', before: null, after: 'Ada' }], detail: { source: 'csv import' } }, 'admin:a@b');
    expect(e).toMatchObject({ type: 'person.created', subject: 'p1', orgId: 'o', listId: 'l', payload: { source: 'import', active: true, externalId: 'x1', fields: { first_name: 'Ada' } } });
  });

  it('a print job makes one card.printed per person; member changes list ids even past the truncation; access events make none', () => {
    expect(eventsFor('o', 'l', { action: 'cards.printed', target: { type: 'list', id: 'l' }, detail: { jobId: 'j', template: 'Staff', people: ['a', 'b'] } }, 'admin:x').map((e) => [e.type, e.subject])).toEqual([['card.printed', 'a'], ['card.printed', 'b']]);
    const [m] = eventsFor('o', 'l', { action: 'group.members_added', target: { type: 'group', id: 'g', name: 'G' }, changes: [{ field: 'members', before: null, after: { count: 20000, ids: ['a'], truncated: true } }] }, 'scim');
    expect(m!.payload).toMatchObject({ added: ['a'], removed: [] });
    for (const action of ['token.created', 'admin.signed_in', 'email.queued', 'credential.pass_pushed', 'photo.upload_refused'] as const) {
      expect(eventsFor('o', 'l', { action, target: person }, 'scim')).toEqual([]);
    }
  });

  it('names sources from actors, and every type has a meaning', () => {
    expect(['scim', 'entra-sync', 'self-upload', 'apple-wallet', 'system', 'cli', 'admin:x'].map((a) => sourceOf(a))).toEqual(['scim', 'entra', 'capture', 'device', 'system', 'admin', 'admin']);
    expect(isEventType('person.created')).toBe(true);
    expect(isEventType('constructor')).toBe(false);
    for (const meaning of Object.values(EVENT_TYPES)) expect(meaning.length).toBeGreaterThan(10);
  });
});
