/**
 * Entra ID pull sync against the Graph emulator (test/fakes/graph): scoped initial sync, a round
 * of changes, an expired delta token, injected throttling and faults, a crash mid-run, and the
 * mutual exclusion with SCIM. After every round the list must be exactly what Entra describes:
 * the members of the scoped groups whose accounts are enabled are active, everyone else is not.
 */
import { jobView } from '../src/jobs/job-runner.js';
import { ImportService } from '../src/lists/import-service.js';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENTRA_JOB } from '../src/sync/entra-sync.js';
import { ENTERPRISE_USER_SCHEMA } from '../src/scim/schemas/index.js';
import { startGraphEmulator, type GraphEmulator } from './fakes/graph/index.js';
import { call, startServer, type TestList, type TestServer } from './helpers/server.js';
import { groupPhoto, portrait } from './helpers/sample-photos.js';

let srv: TestServer;
let graph: GraphEmulator;
const KEY = randomBytes(32).toString('base64');

beforeAll(async () => {
  srv = await startServer({ MUSTER_SECRET_KEY: KEY, MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true' });
});
afterAll(() => srv.close());
afterEach(async () => graph?.close());

async function connectedList(groupIds: string[], name = 'Entra pull') {
  const created = await srv.muster.lists.createList({ name, uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
  await srv.muster.entra.connect(created.list, {
    tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds, schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url,
  });
  return (await srv.muster.store.lists.get(created.list.id))!;
}

async function runSync(listId: string) {
  const id = await srv.muster.entra.enqueue(listId, 'manual');
  for (let i = 0; i < 600; i++) {
    const job = (await srv.muster.store.roster.job(id))!;
    if (job.status === 'done' || job.status === 'failed') {
      expect(job.error, 'the run failed').toBeNull();
      return JSON.parse(job.result ?? '{}') as Record<string, number>;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the sync run did not finish');
}

/** The people Entra says should be active on the list: enabled members of the scoped groups. */
function expectedActive(groupIds: string[]): Set<string> {
  const ids = new Set<string>();
  for (const g of groupIds) for (const m of graph.getGroup(g)?.members ?? []) {
    const u = graph.getUser(m);
    if (u?.accountEnabled) ids.add(m);
  }
  return ids;
}

async function activeOnList(listId: string): Promise<Set<string>> {
  const out = new Set<string>();
  let after = 0;
  for (;;) {
    const batch = await srv.muster.store.users.activeAfter(listId, after, 1000);
    if (!batch.length) return out;
    for (const p of batch) out.add(p.externalId!);
    after = batch[batch.length - 1]!.seq;
  }
}

const events = async (listId: string, actions?: string[]) =>
  srv.muster.store.audit.query({ listId, actions, order: 'asc', limit: 100_000 });

describe('Entra ID pull sync', () => {
  it('tests the connection, then syncs only the scoped groups\' members, with roster fields and one event each', async () => {
    graph = await startGraphEmulator({ pageSize: 25 });
    const { groups } = graph.seed({ users: 300, groups: [{ name: 'Engineering', members: 120 }, { name: 'Sales', members: 80 }, { name: 'Not synced', members: 60 }], seed: 7 });
    const scope = [groups[0]!.id, groups[1]!.id];
    const list = await connectedList(scope);
    const t = await srv.muster.entra.test(list.id);
    expect(t).toEqual({ ok: true, users: 300, groups: 3, missingPermissions: [] });
    const r = await runSync(list.id);
    const want = expectedActive(scope);
    expect(await activeOnList(list.id)).toEqual(want);
    expect(r.created).toBeGreaterThanOrEqual(want.size);
    expect(r.pages).toBeGreaterThan(10);
    const created = await events(list.id, ['person.created']);
    expect(created.length).toBe(r.created);
    expect(new Set(created.map((e) => e.idp))).toEqual(new Set(['Microsoft Entra ID']));
    expect(created[0]!.idp_evidence).toBe('graph-pull');
    expect(created[0]!.actor).toBe('entra-sync');
    // Roster fields come through the default mapping, as for SCIM.
    const someone = graph.getUser([...want][0]!)!;
    const person = (await srv.muster.store.users.byExternalIds(list, [someone.id])).get(someone.id)!;
    const row = await srv.muster.store.roster.people({ listId: list.id, personId: person.id, offset: 0, limit: 1 });
    expect(row[0]!.fields).toMatchObject({ username: someone.userPrincipalName, first_name: someone.givenName, department: someone.department, external_id: someone.id });
    // A second run with nothing changed changes nothing and records nothing.
    const before = (await events(list.id)).length;
    const again = await runSync(list.id);
    expect(again).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
    expect((await events(list.id)).length).toBe(before);
  });

  it('a mapping change re-derives the people Entra ID sent, as it does a SCIM list\'s', async () => {
    graph = await startGraphEmulator({ pageSize: 25 });
    const { groups } = graph.seed({ users: 40, groups: [{ name: 'Engineering', members: 30 }], seed: 11 });
    const list = await connectedList([groups[0]!.id], 'Entra remap');
    await runSync(list.id);
    const read = async () => srv.muster.store.roster.people({ listId: list.id, offset: 0, limit: 100 });
    const before = await read();
    const withDepartment = before.filter((p) => typeof p.fields.department === 'string' && p.fields.department !== p.fields.department.toUpperCase());
    expect(withDepartment.length).toBeGreaterThan(0);
    const mapping = (await srv.muster.store.roster.mapping(list.id)).map((m) => (m.field === 'department' ? { ...m, transform: 'upper' as const } : m));
    const { jobId } = await srv.muster.roster.replaceMapping(list, mapping, { actor: 'test' });
    for (let i = 0; i < 600; i++) {
      const job = (await srv.muster.store.roster.job(jobId))!;
      if (job.status === 'done' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const job = (await srv.muster.store.roster.job(jobId))!;
    expect(job.status).toBe('done');
    expect(JSON.parse(job.result!)).toMatchObject({ changed: withDepartment.length, processed: before.length });
    const after = new Map((await read()).map((p) => [p.id, p.fields.department]));
    for (const p of before) expect(after.get(p.id)).toBe(typeof p.fields.department === 'string' ? p.fields.department.toUpperCase() : p.fields.department);
  });

  it('people imported from a file before Entra sync was connected are deactivated by its first round (Entra does not have them) and keep their fields', async () => {
    graph = await startGraphEmulator({ pageSize: 25 });
    const { groups } = graph.seed({ users: 10, groups: [{ name: 'Engineering', members: 5 }], seed: 3 });
    const created = await srv.muster.lists.createList({ name: 'Imported, then Entra', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
    const report = await new ImportService(srv.muster.store, srv.muster.audit).importCsv(created.list, 'username,first_name,department\nfile.person@example.com,Fay,Ops\n', false, { actor: 'test' });
    expect(report).toMatchObject({ created: 1, errors: [] });
    await srv.muster.entra.connect(created.list, {
      tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: [groups[0]!.id], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url,
    });
    await runSync(created.list.id);
    const [fay] = (await srv.muster.store.roster.people({ listId: created.list.id, offset: 0, limit: 100 })).filter((p) => p.userName === 'file.person@example.com');
    expect(fay).toMatchObject({ active: false, fields: { username: 'file.person@example.com', first_name: 'Fay', department: 'Ops', active: false } });
    expect((await srv.muster.audit.verify(srv.muster.store, created.list.id)).ok).toBe(true);
  });

  it('applies joins, leavers, department changes, disabled and deleted accounts, and a group removed from scope', async () => {
    graph = await startGraphEmulator({ pageSize: 20 });
    const { users, groups } = graph.seed({ users: 150, groups: [{ name: 'A', members: 60 }, { name: 'B', members: 50 }], seed: 11 });
    let scope = [groups[0]!.id, groups[1]!.id];
    const list = await connectedList(scope);
    await runSync(list.id);
    expect(await activeOnList(list.id)).toEqual(expectedActive(scope));
    const inA = graph.getGroup(groups[0]!.id)!.members;
    const outsider = users.find((u) => !graph.getGroup(groups[0]!.id)!.members.includes(u.id) && !graph.getGroup(groups[1]!.id)!.members.includes(u.id))!;
    const before = (await events(list.id)).length;
    graph.addMember(groups[0]!.id, outsider.id); // a joiner
    graph.removeMember(groups[0]!.id, inA[0]!); // a leaver (unless also in B)
    graph.updateUser(inA[1]!, { department: 'Moved Department' }); // a change
    graph.updateUser(inA[2]!, { accountEnabled: false }); // disabled
    graph.deleteUser(inA[3]!); // deleted: @removed
    const r = await runSync(list.id);
    expect(await activeOnList(list.id)).toEqual(expectedActive(scope));
    const changed = (await events(list.id)).slice(before);
    expect(changed.filter((e) => e.action === 'person.created').map((e) => e.target_name)).toEqual([outsider.userPrincipalName]);
    const moved = changed.find((e) => JSON.parse(e.changes).some((c: { field: string; after: unknown }) => c.after === 'Moved Department'));
    expect(moved?.action).toBe('person.updated');
    expect(changed.filter((e) => e.action === 'person.deactivated').length).toBe(r.deactivated);
    expect(r.deactivated).toBeGreaterThanOrEqual(2);
    // The run's counts are the trail's: a person whose replace changed nothing is not counted as updated.
    expect(changed.filter((e) => e.action === 'person.updated').length).toBe(r.updated);
    expect(r.updated).toBeGreaterThanOrEqual(1);
    // The admin narrows the scope to group B: a full round; A-only members are deactivated, not deleted.
    scope = [groups[1]!.id];
    await srv.muster.entra.connect(list, { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: scope, schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url });
    await runSync(list.id);
    expect(await activeOnList(list.id)).toEqual(expectedActive(scope));
    const total = await srv.muster.store.users.count({ listId: list.id });
    expect(total).toBeGreaterThan(expectedActive(scope).size); // deactivated people stay on the list
  });

  it('an expired delta token triggers a full resync that loses and duplicates nothing', async () => {
    graph = await startGraphEmulator({ pageSize: 30 });
    const { groups } = graph.seed({ users: 120, groups: [{ name: 'Staff', members: 90 }], seed: 3 });
    const scope = [groups[0]!.id];
    const list = await connectedList(scope);
    await runSync(list.id);
    const members = graph.getGroup(groups[0]!.id)!.members;
    graph.updateUser(members[0]!, { jobTitle: 'Principal' });
    graph.removeMember(groups[0]!.id, members[1]!);
    graph.expireDeltaTokens();
    const before = (await events(list.id)).length;
    const r = await runSync(list.id) as unknown as { resyncs: number; notes: string[] };
    expect(r.resyncs).toBe(1);
    // The run says it in words on the Sync tab (issue 13, item 6).
    expect(r.notes[0]).toMatch(/^Every person was read again because Microsoft's change token expired/);
    expect(await activeOnList(list.id)).toEqual(expectedActive(scope));
    const changed = (await events(list.id)).slice(before);
    expect(changed.map((e) => e.action).sort()).toEqual(['person.deactivated', 'person.updated']);
    // Graph's other answer for an expired token, 400 syncStateNotFound, resyncs too.
    graph.expireDeltaTokens({ status: 400 });
    expect((await runSync(list.id)).resyncs).toBe(1);
    expect(await activeOnList(list.id)).toEqual(expectedActive(scope));
  });

  it('throttling and faults mid-run neither lose nor duplicate a change', async () => {
    graph = await startGraphEmulator({ pageSize: 15 });
    const { groups } = graph.seed({ users: 100, groups: [{ name: 'All', members: 80 }], seed: 5 });
    const scope = [groups[0]!.id];
    const list = await connectedList(scope);
    graph.inject({ path: 'users/delta', status: 429, retryAfter: '0.2', times: 2, afterRequests: 2 });
    graph.inject({ path: 'groups/delta', status: 503, retryAfter: '0.1', times: 1, afterRequests: 1 });
    graph.expireAccessTokens();
    const r = await runSync(list.id);
    expect(r.retries).toBeGreaterThanOrEqual(3);
    expect(await activeOnList(list.id)).toEqual(expectedActive(scope));
    const created = await events(list.id, ['person.created']);
    expect(new Set(created.map((e) => e.target_id)).size).toBe(created.length);
    // Every scoped member is on the list once; disabled accounts are there, deactivated.
    expect(created.length).toBe(graph.getGroup(groups[0]!.id)!.members.length);
    expect(graph.requests.some((q) => q.status === 429)).toBe(true);
  });

  it('resumes a run after a crash from the page it reached', async () => {
    graph = await startGraphEmulator({ pageSize: 10 });
    const { groups } = graph.seed({ users: 80, groups: [{ name: 'Crew', members: 70 }], seed: 9 });
    const list = await connectedList([groups[0]!.id]);
    // Simulate a node that dies after four pages: the handler's checkpoint stops answering. This
    // server's own worker stops before the run is queued: it would otherwise claim it as soon as it
    // is queued (it is told of every enqueue), before the dying node could.
    await srv.muster.jobs.stop();
    let partial: number;
    let id: string;
    try {
      id = await srv.muster.entra.enqueue(list.id, 'manual');
      let saves = 0;
      const job = (await srv.muster.store.roster.claim('dying-node', new Date().toISOString(), new Date(Date.now() + 60_000).toISOString(), [ENTRA_JOB]))!;
      expect(job.id).toBe(id);
      await srv.muster.entra.run(job, async (params, done) => {
        if (++saves > 4) throw new Error('node died');
        return srv.muster.store.roster.saveState(job.id, 'dying-node', { params, done, lockUntil: new Date(Date.now() - 1000).toISOString() });
      }).catch((err: Error) => expect(err.message).toBe('node died'));
      partial = (await events(list.id, ['person.created'])).length;
      // What the web app and `muster entra runs` show of the interrupted run: its checkpointed counters, not its resumption data.
      const midway = jobView((await srv.muster.store.roster.job(id))!);
      expect(midway.status).toBe('running');
      expect(midway.progress).toMatchObject({ phase: expect.stringMatching(/groups|users|joins|sweep/), created: expect.any(Number), updated: expect.any(Number), deactivated: expect.any(Number) });
      expect(midway.progress!.pages).toBeGreaterThanOrEqual(4);
      expect(midway.progress).not.toHaveProperty('touched');
      expect(midway.progress).not.toHaveProperty('nextLink');
    } finally {
      // Another worker claims the expired lock and resumes; started whatever happened above, so that
      // a failure here is this test's alone and not every later run's in this file.
      srv.muster.jobs.start();
    }
    let result: Record<string, number> | undefined;
    for (let i = 0; i < 400 && !result; i++) {
      const j = (await srv.muster.store.roster.job(id))!;
      if (j.status === 'done') result = JSON.parse(j.result!);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(result).toBeDefined();
    expect(jobView((await srv.muster.store.roster.job(id))!).progress).toBeNull();
    const created = await events(list.id, ['person.created']);
    expect(created.length).toBe(graph.getGroup(groups[0]!.id)!.members.length);
    expect(new Set(created.map((e) => e.target_id)).size).toBe(created.length);
    expect(partial).toBeLessThan(created.length);
    expect(await activeOnList(list.id)).toEqual(expectedActive([groups[0]!.id]));
  });

  it('optionally fetches Entra profile photos into the review queue: checked like any upload, each person asked once', async () => {
    graph = await startGraphEmulator({ pageSize: 10 });
    const { groups } = graph.seed({ users: 6, groups: [{ name: 'Photo crew', members: 6 }], seed: 4 });
    const members = graph.getGroup(groups[0]!.id)!.members;
    graph.setPhoto(members[0]!, await portrait());
    graph.setPhoto(members[1]!, groupPhoto()); // a group photo: refused by the checks
    const created = await srv.muster.lists.createList({ name: 'Entra photos', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
    await srv.muster.entra.connect(created.list, {
      tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: [groups[0]!.id], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url, syncPhotos: true,
    });
    const list = (await srv.muster.store.lists.get(created.list.id))!;
    await runSync(list.id);
    const photoJob = async () => {
      for (let i = 0; i < 400; i++) {
        const j = (await srv.muster.store.roster.jobs(list.id, 20)).find((x) => x.kind === 'entra-photos');
        if (j && (j.status === 'done' || j.status === 'failed')) return j;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the photo job did not finish');
    };
    const first = await photoJob();
    expect(first.error).toBeNull();
    expect(JSON.parse(first.result!)).toMatchObject({ stored: 1, refused: 1, none: members.length - 2 });
    const pending = await srv.muster.store.photos.queue(list.id, 'pending', 10);
    expect(pending.map((p) => p.source)).toEqual(['entra']);
    const refused = await events(list.id, ['photo.upload_refused']);
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0]!.detail ?? '{}')).toMatchObject({ source: 'entra', problems: expect.arrayContaining(['several_faces']) });
    // The next round asks nobody again: no photo requests to Graph this week.
    const photoRequests = () => graph.requests.filter((r) => r.path.endsWith('/photo/$value')).length;
    const before = photoRequests();
    await runSync(list.id);
    await new Promise((r) => setTimeout(r, 300));
    const second = (await srv.muster.store.roster.jobs(list.id, 20)).filter((x) => x.kind === 'entra-photos');
    expect(second.length).toBe(2);
    await photoJob();
    expect(photoRequests()).toBe(before);
  });

  it('reports a missing permission and refuses bad credentials clearly', async () => {
    graph = await startGraphEmulator({ permissions: ['User.Read.All'] });
    const { groups } = graph.seed({ users: 5, groups: [{ name: 'G', members: 3 }] });
    const list = await connectedList([groups[0]!.id]);
    expect(await srv.muster.entra.test(list.id)).toMatchObject({ ok: false, users: 5, missingPermissions: ['GroupMember.Read.All'] });
    await srv.muster.entra.connect(list, { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: 'wrong', groupIds: [groups[0]!.id], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url });
    const bad = await srv.muster.entra.test(list.id);
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/refused the credentials \(invalid_client\)/);
  });
});

/** The person on the list for a Graph user id. */
async function personOf(listId: string, graphId: string): Promise<string | undefined> {
  return (await srv.muster.store.users.byExternalIds((await srv.muster.store.lists.get(listId))!, [graphId])).get(graphId)?.id;
}

/** The person id a person's enterprise manager links to, if any. */
async function managerOf(listId: string, graphId: string): Promise<string | undefined> {
  const rec = await srv.muster.store.users.get(listId, (await personOf(listId, graphId))!);
  return ((rec?.data[ENTERPRISE_USER_SCHEMA] as { manager?: { value?: string } } | undefined)?.manager)?.value;
}

describe('manager links across delta rounds', () => {
  it('keeps a manager Graph did not mention, follows changes and removals, and links reports whose manager joins later', async () => {
    graph = await startGraphEmulator({ pageSize: 3 });
    const boss = graph.addUser({ displayName: 'Boss' });
    const boss2 = graph.addUser({ displayName: 'Second boss' });
    const lateByJoin = graph.addUser({ displayName: 'Joins without a change' });
    const lateByDelta = graph.addUser({ displayName: 'Joins with a change' });
    const worker = graph.addUser({ displayName: 'Worker', managerId: boss.id });
    const report = graph.addUser({ displayName: 'Report', managerId: lateByJoin.id });
    const report2 = graph.addUser({ displayName: 'Report 2', managerId: lateByDelta.id });
    const newcomer = graph.addUser({ displayName: 'Newcomer', managerId: boss.id });
    const team = graph.addGroup('Team');
    for (const u of [boss, boss2, worker, report, report2]) graph.addMember(team.id, u.id);
    const list = await connectedList([team.id]);
    await runSync(list.id);
    expect(await managerOf(list.id, worker.id)).toBe(await personOf(list.id, boss.id));
    expect(await managerOf(list.id, report.id)).toBeUndefined(); // the manager is not on the list

    // A delta round: the worker and the boss change, but not the link (no manager@delta for them);
    // both pending managers join, one with a change of their own, one without; a newcomer joins
    // with a change but no manager@delta, since their manager did not change.
    const before = (await events(list.id)).length;
    graph.updateUser(worker.id, { department: 'Moved' });
    graph.updateUser(boss.id, { jobTitle: 'Chief' });
    graph.addMember(team.id, lateByJoin.id);
    graph.addMember(team.id, lateByDelta.id);
    graph.updateUser(lateByDelta.id, { jobTitle: 'New manager' });
    graph.addMember(team.id, newcomer.id);
    graph.updateUser(newcomer.id, { jobTitle: 'Starter' });
    const r = await runSync(list.id);
    expect(r.full).toBe(false);
    expect(await managerOf(list.id, worker.id)).toBe(await personOf(list.id, boss.id));
    expect(await managerOf(list.id, report.id)).toBe(await personOf(list.id, lateByJoin.id));
    expect(await managerOf(list.id, report2.id)).toBe(await personOf(list.id, lateByDelta.id));
    expect(await managerOf(list.id, newcomer.id)).toBe(await personOf(list.id, boss.id));
    // The worker's events record the department move and nothing about their manager.
    const workerPerson = await personOf(list.id, worker.id);
    const workerChanges = (await events(list.id)).slice(before).filter((e) => e.target_id === workerPerson)
      .flatMap((e) => JSON.parse(e.changes) as { field: string }[]);
    expect(workerChanges.length).toBeGreaterThan(0);
    expect(workerChanges.filter((c) => /manager/i.test(c.field))).toEqual([]);

    // Explicit changes: a new manager, and a removal (manager@delta with @removed only).
    graph.updateUser(worker.id, { managerId: boss2.id });
    graph.updateUser(report.id, { managerId: null });
    await runSync(list.id);
    expect(await managerOf(list.id, worker.id)).toBe(await personOf(list.id, boss2.id));
    expect(await managerOf(list.id, report.id)).toBeUndefined();
    expect(await managerOf(list.id, report2.id)).toBe(await personOf(list.id, lateByDelta.id));

    // A full round (Graph no longer accepts the token) agrees with what the delta rounds built.
    graph.expireDeltaTokens();
    const after = (await events(list.id)).length;
    expect(await runSync(list.id)).toMatchObject({ resyncs: 1, updated: 0, deactivated: 0, created: 0 });
    expect((await events(list.id)).length).toBe(after);
    expect((await srv.muster.audit.verify(srv.muster.store, list.id)).ok).toBe(true);
  });

  it('links a report to a manager who arrives later on the same full round, and remembers a manager who never did', async () => {
    graph = await startGraphEmulator({ pageSize: 2 });
    const team = graph.addGroup('Team');
    const outsider = graph.addUser({ displayName: 'Manager outside the scope' });
    const report = graph.addUser({ displayName: 'Report first' });
    const manager = graph.addUser({ displayName: 'Manager second' });
    graph.updateUser(report.id, { managerId: manager.id });
    const other = graph.addUser({ displayName: 'Reports outside', managerId: outsider.id });
    for (const u of [report, manager, other]) graph.addMember(team.id, u.id);
    const list = await connectedList([team.id]);
    await runSync(list.id);
    expect(await managerOf(list.id, report.id)).toBe(await personOf(list.id, manager.id));
    expect(await managerOf(list.id, other.id)).toBeUndefined();
    // Rounds later, with nothing said about the link again, the outside manager joins.
    graph.updateUser(other.id, { jobTitle: 'Still waiting' });
    await runSync(list.id);
    expect(await managerOf(list.id, other.id)).toBeUndefined();
    graph.addMember(team.id, outsider.id);
    await runSync(list.id);
    expect(await managerOf(list.id, other.id)).toBe(await personOf(list.id, outsider.id));
  });
});

describe('text from Graph that is not well-formed Unicode', () => {
  it('refuses a user whose userPrincipalName is not well-formed, repairs descriptive text, records both, and keeps the audit chain verifying', async () => {
    graph = await startGraphEmulator();
    const team = graph.addGroup('Team');
    const fine = graph.addUser({ displayName: 'Fine', userPrincipalName: 'fine@contoso.test' });
    const oddTitle = graph.addUser({ displayName: 'Odd\u0000 name', userPrincipalName: 'odd@contoso.test', jobTitle: 'Lead \ud83d', businessPhones: ['+1 555\u0000 0100'] });
    const oddUpn = graph.addUser({ displayName: 'Eve', userPrincipalName: 'eve\udfff@contoso.test' });
    const later = graph.addUser({ displayName: 'Later', userPrincipalName: 'later@contoso.test' });
    const oddId = graph.addUser({ id: 'nul\u0000id', displayName: 'Odd id' }); // PostgreSQL cannot even look it up
    for (const u of [fine, oddTitle, oddUpn, later, oddId]) graph.addMember(team.id, u.id);
    const list = await connectedList([team.id]);
    const r = await runSync(list.id) as unknown as { failed: number; errors: string[] };
    expect(r.failed).toBe(2);
    expect(r.errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/member\(s\) of group .* not well-formed text were ignored/),
      'a user whose Entra id is not well-formed text was skipped',
      expect.stringMatching(new RegExp(`^${oddUpn.id}: not written, its userPrincipalName is not well-formed Unicode or contains NUL`)),
      expect.stringMatching(/^odd@contoso\.test: displayName, jobTitle, businessPhones held text that is not well-formed Unicode or NUL/),
    ]));
    expect(await personOf(list.id, oddUpn.id)).toBeUndefined();
    const odd = await srv.muster.store.users.get(list.id, (await personOf(list.id, oddTitle.id))!);
    expect(odd?.data).toMatchObject({ displayName: 'Odd name', title: 'Lead \ufffd', phoneNumbers: [{ value: '+1 555 0100', type: 'work' }] });
    expect((await srv.muster.audit.verify(srv.muster.store, list.id)).ok).toBe(true);

    // A delta round: a person already on the list gets an ill-formed userPrincipalName and is
    // disabled in Entra in the same change: not rewritten, but never left active.
    graph.updateUser(later.id, { userPrincipalName: 'later\ud800@contoso.test', accountEnabled: false });
    graph.updateUser(fine.id, { department: 'Ops\u0000' });
    const r2 = await runSync(list.id) as unknown as { failed: number; errors: string[]; deactivated: number };
    expect(r2.failed).toBe(1);
    expect(r2.deactivated).toBe(1);
    expect((await srv.muster.store.users.byExternalIds(list, [later.id])).get(later.id)?.active).toBe(false);
    const laterRec = await srv.muster.store.users.get(list.id, (await personOf(list.id, later.id))!);
    expect(laterRec?.data.userName).toBe('later@contoso.test');
    const fineRec = await srv.muster.store.users.get(list.id, (await personOf(list.id, fine.id))!);
    expect(fineRec?.data[ENTERPRISE_USER_SCHEMA]).toMatchObject({ department: 'Ops' });
    expect((await srv.muster.audit.verify(srv.muster.store, list.id)).ok).toBe(true);
  });
});

describe('connection safety', () => {
  it('accepts only Microsoft\'s HTTPS endpoints unless the server allows custom ones, and refuses changes during a run', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 3, groups: [{ name: 'G', members: 2 }] });
    const strictSrv = await startServer({ MUSTER_SECRET_KEY: KEY });
    try {
      const { list } = await strictSrv.muster.lists.createList({ name: 'No SSRF', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
      const base = { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: 's', groupIds: [groups[0]!.id], schedule: 'manual' };
      await expect(strictSrv.muster.entra.connect(list, { ...base, graphUrl: 'http://127.0.0.1:1/internal' })).rejects.toThrow(/graphUrl must be https:\/\/graph.microsoft.com/);
      await expect(strictSrv.muster.entra.connect(list, { ...base, authorityUrl: graph.url })).rejects.toThrow(/authorityUrl must be/);
      await strictSrv.muster.entra.connect(list, { ...base, graphUrl: 'https://graph.microsoft.us', authorityUrl: 'https://login.microsoftonline.us' });
    } finally {
      await strictSrv.close();
    }
    const list = await connectedList([groups[0]!.id], 'Busy');
    await srv.muster.jobs.stop();
    let queued = false;
    try {
      await srv.muster.entra.enqueue(list.id, 'manual');
      queued = true;
      await expect(srv.muster.entra.connect(list, { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: [groups[0]!.id], schedule: 'daily', authorityUrl: graph.url, graphUrl: graph.url }))
        .rejects.toThrow(/a sync run is queued/);
    } finally {
      srv.muster.jobs.start();
    }
    // The queued run finishes while its Graph is up: left running after this test, it would hold the
    // server's Entra runs against a closed emulator and the next test's run would wait behind it.
    if (queued) await runSync(list.id);
  });
});

describe('one sync method per list', () => {
  it('refuses Entra on a SCIM list until SCIM is off (which revokes its tokens), and the reverse; never returns the secret', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 3, groups: [{ name: 'G', members: 2 }] });
    const scimList: TestList = await srv.newList({ name: 'Was SCIM' });
    const list = (await srv.muster.store.lists.get(scimList.id))!;
    const conn = { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: 'shh-secret', groupIds: [groups[0]!.id], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url };
    await expect(srv.muster.entra.connect(list, conn)).rejects.toThrow(/turn SCIM off first/);
    expect((await scimList.req('GET', '/Users')).status).toBe(200);
    await srv.muster.lists.setSyncMethod(list.id, 'none');
    expect((await scimList.req('GET', '/Users')).status).toBe(401);
    await srv.muster.entra.connect((await srv.muster.store.lists.get(list.id))!, conn);
    await expect(srv.muster.lists.setSyncMethod(list.id, 'scim')).rejects.toThrow(/turn Entra sync off first/);
    const row = await srv.muster.store.entra.get(list.id);
    expect(row!.secret_enc).not.toContain('shh-secret');
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const key = await srv.adminKey(org.id, 'entra');
    const view = await call(`${srv.origin}/api/v1/lists/${list.id}/entra`, { headers: { authorization: `Bearer ${key}` } });
    expect(view.status).toBe(200);
    expect(view.text).not.toContain('shh-secret');
    expect(view.body).toMatchObject({ connected: true, tenantId: graph.tenantId, groupIds: [groups[0]!.id] });
    const sync = await call(`${srv.origin}/api/v1/lists/${list.id}/entra/runs`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(sync.status).toBe(202);
    expect(sync.body.kind).toBe(ENTRA_JOB);
    const changed = await events(list.id, ['list.sync_method_changed', 'token.revoked']);
    expect(changed.map((e) => e.action)).toEqual(['token.revoked', 'list.sync_method_changed']);
  });

  it('issues no SCIM token for an Entra list by any path, refuses a token that exists anyway, and advertises no SCIM base URL', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 3, groups: [{ name: 'G', members: 2 }] });
    const list = await connectedList([groups[0]!.id], 'Entra, no SCIM');
    // The service (which the CLI's `tokens create` calls) and the admin API share one rule.
    await expect(srv.muster.lists.createToken(list.id, 'sneaky')).rejects.toMatchObject({ code: 'MUSTER_SYNC_METHOD_CONFLICT', message: expect.stringMatching(/syncs from Entra ID/) });
    const { list: manual } = await srv.muster.lists.createList({ name: 'No sync', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
    await expect(srv.muster.lists.createToken(manual.id, 'sneaky')).rejects.toMatchObject({ code: 'MUSTER_SYNC_METHOD_CONFLICT', message: expect.stringMatching(/does not use SCIM/) });
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const key = await srv.adminKey(org.id, 'tokens');
    const admin = (method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const refused = await admin('POST', `/lists/${list.id}/tokens`, { label: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'sync_method_conflict', detail: expect.stringMatching(/syncs from Entra ID/) });
    expect((await srv.muster.store.tokens.forList(list.id)).length).toBe(0);
    // A token issued before this rule (the CLI used to issue them): SCIM refuses it, writes nothing.
    const scimList = await srv.newList({ name: 'Donor' });
    await srv.muster.store.db.updateTable('tokens').set({ list_id: list.id }).where('list_id', '=', scimList.id).execute();
    const asEntra = (method: string, path: string, body?: unknown) => call(`${srv.origin}/scim/v2/lists/${list.id}${path}`, {
      method, headers: { authorization: `Bearer ${scimList.token}`, 'content-type': 'application/scim+json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const before = (await events(list.id)).length;
    const write = await asEntra('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'intruder@example.com' });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403', detail: expect.stringMatching(/synced from Entra ID/) });
    expect((await asEntra('GET', '/Users')).status).toBe(403);
    expect(await srv.muster.store.users.count({ listId: list.id })).toBe(0);
    expect((await events(list.id)).length).toBe(before);
    // Lists say where SCIM is, only for lists that use it.
    const one = await admin('GET', `/lists/${list.id}`);
    expect(one.body.scimBaseUrl).toBeNull();
    const all = (await admin('GET', '/lists')).body.lists as { id: string; scimBaseUrl: string | null }[];
    expect(all.find((l) => l.id === list.id)?.scimBaseUrl).toBeNull();
    expect(all.find((l) => l.id === scimList.id)?.scimBaseUrl).toBe(`${srv.origin}/scim/v2/lists/${scimList.id}`);
  });
});

describe('the Entra section as the admin API shows it (issue 13, item 6)', () => {
  async function adminKey(label: string): Promise<string> {
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    return await srv.adminKey(org.id, label);
  }

  it('names the chosen groups from Graph when they are chosen, keeps the names, and refuses an id that is not a GUID', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 12, groups: [{ name: 'Engineering', members: 5 }, { name: 'Sales', members: 4 }] });
    const key = await adminKey('entra-names');
    const { list } = await srv.muster.lists.createList({ name: 'Named groups', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
    const put = (groupIds: unknown[]) => call(`${srv.origin}/api/v1/lists/${list.id}/entra`, {
      method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds, schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url }),
    });
    const bad = await put(['Engineering']);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_scope', detail: expect.stringMatching(/"Engineering" is not a group object id/) });
    expect(await srv.muster.store.entra.get(list.id)).toBeUndefined();

    // The same group twice is one group.
    const ok = await put([groups[0]!.id, groups[0]!.id]);
    expect(ok.status).toBe(200);
    expect(ok.body.groups).toEqual([{ id: groups[0]!.id, displayName: 'Engineering' }]);
    const both = await put([groups[0]!.id, groups[1]!.id]);
    expect(both.body.groups).toEqual(expect.arrayContaining([{ id: groups[0]!.id, displayName: 'Engineering' }, { id: groups[1]!.id, displayName: 'Sales' }]));
    // Stored: reading the connection again asks Graph nothing.
    const asked = graph.requests.length;
    const view = await call(`${srv.origin}/api/v1/lists/${list.id}/entra`, { headers: { authorization: `Bearer ${key}` } });
    expect(view.body.groups).toHaveLength(2);
    expect(view.body.groups.map((g: { displayName: string }) => g.displayName).sort()).toEqual(['Engineering', 'Sales']);
    expect(graph.requests.length).toBe(asked);
    // A rename in Entra reaches the Sync tab with the next run.
    graph.updateGroup(groups[1]!.id, { displayName: 'Sales and Marketing' });
    await runSync(list.id);
    const renamed = await call(`${srv.origin}/api/v1/lists/${list.id}/entra`, { headers: { authorization: `Bearer ${key}` } });
    expect(renamed.body.groups).toEqual(expect.arrayContaining([{ id: groups[1]!.id, displayName: 'Sales and Marketing' }]));
  });

  it('a group Graph could not name at connect time is named by the first run; the run says why it read everyone', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 10, groups: [{ name: 'Nurses', members: 6 }] });
    const list = await connectedList([groups[0]!.id], 'Named by the run'); // the service path (the CLI's): no name yet
    expect((await srv.muster.store.entra.get(list.id))!.group_names).toBeNull();
    const r = await runSync(list.id) as unknown as { notes: string[] };
    expect(r.notes).toContain('First run: every person in the chosen groups was read.');
    const key = await adminKey('entra-run-names');
    const view = await call(`${srv.origin}/api/v1/lists/${list.id}/entra`, { headers: { authorization: `Bearer ${key}` } });
    expect(view.body.groups).toEqual([{ id: groups[0]!.id, displayName: 'Nurses' }]);
    expect(view.body.peopleInScope).toBe(6);
    const again = await runSync(list.id) as unknown as { notes: string[] };
    expect(again.notes).toEqual(['Only the changes since the last run were read.']);
  });

  it('never shows a next run in the past: a run the scheduler has not started yet is due now', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 4, groups: [{ name: 'G', members: 2 }] });
    const list = await connectedList([groups[0]!.id], 'Due');
    await srv.muster.store.entra.update(list.id, { schedule: 'hourly', next_run_at: '2020-01-01T00:00:00.000Z' });
    const key = await adminKey('entra-next');
    const before = new Date().toISOString();
    const view = await call(`${srv.origin}/api/v1/lists/${list.id}/entra`, { headers: { authorization: `Bearer ${key}` } });
    expect(view.body.nextRunDue).toBe(true);
    expect(view.body.nextRunAt >= before).toBe(true);
    await srv.muster.store.entra.update(list.id, { schedule: 'manual', next_run_at: null });
    const manual = await call(`${srv.origin}/api/v1/lists/${list.id}/entra`, { headers: { authorization: `Bearer ${key}` } });
    expect(manual.body).toMatchObject({ nextRunAt: null, nextRunDue: false });
  });
});
