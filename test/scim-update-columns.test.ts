/**
 * A person's update writes only the indexed columns whose value changed (issue 16: an UPDATE that
 * names an indexed column rewrites its index entry even when the value is the same). What the
 * filters find must follow every change, and only the change, whichever columns were left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let list: TestList;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList();
});
afterAll(() => srv.close());

const find = async (filter: string): Promise<string[]> => {
  const r = await list.req('GET', `/Users?filter=${encodeURIComponent(filter)}`);
  expect(r.status).toBe(200);
  return (r.body.Resources ?? []).map((x: { id: string }) => x.id);
};

describe('updates write the indexed columns that changed, and filters follow', () => {
  it('externalId, displayName, employeeNumber, active and userName, one change at a time', async () => {
    const c = await list.req('POST', '/Users', user('Col.Person@example.com', { externalId: 'ext-1', displayName: 'Col Person', [ENTERPRISE]: { employeeNumber: 'E1' } }));
    expect(c.status).toBe(201);
    const id = c.body.id as string;

    // A change of a field no index holds: every indexed value stays findable.
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Engineer' }))).status).toBe(200);
    expect(await find('externalId eq "ext-1"')).toEqual([id]);
    expect(await find('displayName eq "col person"')).toEqual([id]);
    expect(await find(`${ENTERPRISE}:employeeNumber eq "E1"`)).toEqual([id]);

    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'externalId', value: 'ext-2' }))).status).toBe(200);
    expect(await find('externalId eq "ext-1"')).toEqual([]);
    expect(await find('externalId eq "ext-2"')).toEqual([id]);

    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'displayName', value: 'Renamed Person' }))).status).toBe(200);
    expect(await find('displayName eq "Col Person"')).toEqual([]);
    expect(await find('displayName eq "Renamed Person"')).toEqual([id]);

    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: 'E2' }))).status).toBe(200);
    expect(await find(`${ENTERPRISE}:employeeNumber eq "E1"`)).toEqual([]);
    expect(await find(`${ENTERPRISE}:employeeNumber eq "E2"`)).toEqual([id]);

    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    expect(await find('active eq false')).toContain(id);
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: true }))).status).toBe(200);
    expect(await find('active eq false')).not.toContain(id);

    // Only the case of userName changes: its lower-cased key is the same, the stored name is not.
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'col.person@example.com' }))).status).toBe(200);
    const g = await list.req('GET', `/Users/${id}`);
    expect(g.body.userName).toBe('col.person@example.com');
    expect(g.body.meta.version).toBe('W/"8"');
    expect(await find('userName eq "COL.PERSON@example.com"')).toEqual([id]);
  });
});
