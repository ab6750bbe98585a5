/**
 * Entra ID pull sync: Microsoft Graph delta queries on a schedule, scoped to chosen groups.
 * A run is a job (jobs table): one per list at a time across nodes, resumable after a crash from
 * the page it reached, with progress. It writes people through ScimService, the same code path as
 * SCIM push, so mapping, audit trail and roster treat both alike.
 *
 * Round, as Graph documents delta (learn.microsoft.com/graph/delta-query-overview):
 * 1. groups/delta scoped with `$filter=id eq …`: `members@delta` accumulated across pages into
 *    the scope table (who is in at least one scoped group);
 * 2. users/delta with `$select` of the mapped properties: in-scope users created or updated,
 *    `@removed` and `accountEnabled: false` deactivated — never deleted;
 * 3. on a delta round, users who joined a scoped group without changing are read by id, and
 *    those who left every scoped group are deactivated;
 * 4. on a full round (first run, changed scope, or a delta token Graph no longer accepts: 410
 *    `syncStateNotFound`/`resyncRequired`), people no longer in scope are deactivated only after
 *    the whole round finished cleanly.
 * The delta links are stored only when a round completes, so an interrupted round replays from
 * its last saved page; replays are idempotent (an unchanged write is no change and no event).
 */
import { randomUUID } from 'node:crypto';
import { Normalisations } from '../scim/dialect.js';
import { ScimError } from '../scim/errors.js';
import { ENTERPRISE_USER_SCHEMA } from '../scim/schemas/index.js';
import type { Logger } from '../log.js';
import { etagOf, type ScimCtx, type ScimService } from '../lists/scim-service.js';
import type { EntraConnectionRow, JobRow, MasterList, Store } from '../store/index.js';
import { GraphClient, GraphError, type GraphClientOptions } from './graph-client.js';
import { checkGraphUser, GRAPH_USER_SELECT, graphUserToScim, isWellFormedText, managerChangeOf, type ManagerChange } from './graph-user.js';
import { ManagerLinks, managerToWrite } from './entra-managers.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { yieldToEventLoop } from '../runtime/turns.js';
import { runNotes, type FullReason } from './entra-run-notes.js';

/**
 * An Entra object id is a GUID (learn.microsoft.com/graph/api/resources/group, `id`): anything
 * else typed by hand is a mistake Graph would only report at the first run, as a failed filter.
 */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The stored names of the chosen groups (JSON object id → name), as a Map. */
export function groupNamesOf(conn: Pick<EntraConnectionRow, 'group_names'>): Map<string, string> {
  const out = new Map<string, string>();
  if (!conn.group_names) return out;
  const raw = JSON.parse(conn.group_names) as unknown;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [id, name] of Object.entries(raw)) if (typeof name === 'string') out.set(id, name);
  }
  return out;
}

/** Stored as a JSON object: the ids are GUIDs (checked on connect), never `__proto__`. */
const namesJson = (names: ReadonlyMap<string, string>): string | null => (names.size ? JSON.stringify(Object.fromEntries(names)) : null);

/** Fetches Entra profile photos after a run (src/sync/entra-photos.ts). */
export const ENTRA_PHOTOS_JOB = 'entra-photos';
export const ENTRA_JOB = 'entra-sync';
export const SCHEDULES = { manual: 0, '15m': 15 * 60_000, hourly: 3_600_000, daily: 86_400_000 } as const;
export type Schedule = keyof typeof SCHEDULES;

const AUTHORITY_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'] as const;
const GRAPH_HOSTS = ['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn'] as const;

export class EntraSyncError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 502, readonly code: string, message: string) {
    super(message);
    this.name = 'EntraSyncError';
  }
}

const notConnected = () => new EntraSyncError(404, 'not_connected', 'this list has no Entra ID connection (muster entra connect)');

interface RunState {
  phase: 'groups' | 'users' | 'joins' | 'sweep' | 'done';
  full: boolean;
  nextLink?: string;
  groupsDelta?: string;
  usersDelta?: string;
  /** Graph user ids whose scoped-group membership changed in this delta round. */
  touched: string[];
  sweepAfter: number;
  pages: number;
  created: number;
  updated: number;
  deactivated: number;
  unchanged: number;
  failed: number;
  retries: number;
  resyncs: number;
  errors: string[];
  /** Why the round reads everyone (absent on a delta round). */
  fullReason?: FullReason;
  /** [group id, display name] of chosen groups as groups/delta named them in this run. */
  groupNames?: [string, string][];
}

const now = () => new Date().toISOString();

export class EntraSync {
  private readonly managers: ManagerLinks;

  constructor(
    private readonly store: Store,
    private readonly scim: ScimService,
    private readonly secrets: () => SecretBox,
    private readonly log: Logger,
    private readonly graphOptions: GraphClientOptions = {},
    private readonly allowCustomEndpoints = false,
  ) {
    this.managers = new ManagerLinks(store, scim);
  }

  /** A Graph client for a connection (the photo job uses it too). */
  client(conn: EntraConnectionRow, onRetry?: () => void): GraphClient {
    return new GraphClient({
      tenantId: conn.tenant_id, clientId: conn.client_id, clientSecret: this.secrets().open(conn.secret_enc),
      authorityUrl: conn.authority_url, graphUrl: conn.graph_url,
    }, { ...this.graphOptions, onRetry: () => onRetry?.() });
  }

  /** Connects a list to Entra ID (it must not be using SCIM), storing the secret encrypted. */
  async connect(list: MasterList, input: {
    tenantId: string; clientId: string; clientSecret: string; groupIds: readonly string[]; schedule?: string; authorityUrl?: string; graphUrl?: string;
    /** Also fetch people's Entra profile photos into the photo review queue (needs User.Read.All, which sync needs anyway). */
    syncPhotos?: boolean;
  }): Promise<void> {
    if (list.syncMethod === 'scim') {
      throw new EntraSyncError(409, 'sync_method_conflict', 'this list is provisioned by SCIM: turn SCIM off first (muster lists configure --sync none, which revokes its tokens); a list uses SCIM or Entra sync, never both');
    }
    const schedule = (input.schedule ?? 'hourly') as Schedule;
    if (!(schedule in SCHEDULES)) throw new EntraSyncError(400, 'invalid_schedule', `schedule must be one of ${Object.keys(SCHEDULES).join(', ')}`);
    if (!input.tenantId || !input.clientId || !input.clientSecret) throw new EntraSyncError(400, 'invalid_connection', 'tenant id, client id and client secret are required');
    if (!input.groupIds.length || input.groupIds.length > 50) throw new EntraSyncError(400, 'invalid_scope', 'choose between 1 and 50 groups: only their members are on the list');
    const notGuid = input.groupIds.find((id) => !GUID.test(id));
    if (notGuid !== undefined) {
      throw new EntraSyncError(400, 'invalid_scope', `"${notGuid.slice(0, 80)}" is not a group object id: Entra shows it as 8-4-4-4-12 hexadecimal digits (Groups → the group → Object ID)`);
    }
    const active = (await this.store.roster.jobs(list.id, 20)).find((j) => j.kind === ENTRA_JOB && (j.status === 'queued' || j.status === 'running'));
    if (active) {
      // A running round works from the connection it loaded; changing it underneath would make it
      // deactivate people against a scope it no longer has.
      throw new EntraSyncError(409, 'sync_running', `a sync run is ${active.status} for this list (job ${active.id}); change the connection when it has finished`);
    }
    this.checkEndpoints(input.authorityUrl, input.graphUrl);
    const t = now();
    const old = await this.store.entra.get(list.id);
    const scopeChanged = !old || JSON.stringify(JSON.parse(old.group_ids)) !== JSON.stringify([...input.groupIds].sort());
    // Names already known stay known for the groups still chosen.
    const known = old ? groupNamesOf(old) : new Map<string, string>();
    const names = new Map([...known].filter(([id]) => input.groupIds.includes(id)));
    await this.store.transaction(async (tx) => {
      await tx.entra.upsert({
        list_id: list.id, tenant_id: input.tenantId, client_id: input.clientId, secret_enc: this.secrets().seal(input.clientSecret),
        authority_url: input.authorityUrl ?? 'https://login.microsoftonline.com', graph_url: input.graphUrl ?? 'https://graph.microsoft.com',
        group_ids: JSON.stringify([...input.groupIds].sort()), schedule,
        // A new scope starts from a full round; the same scope keeps its delta links.
        users_delta_link: scopeChanged ? null : (old?.users_delta_link ?? null), groups_delta_link: scopeChanged ? null : (old?.groups_delta_link ?? null),
        next_run_at: schedule === 'manual' ? null : t, last_run_at: old?.last_run_at ?? null, created_at: old?.created_at ?? t, updated_at: t,
        sync_photos: input.syncPhotos ? 1 : 0, group_names: namesJson(names),
      });
      if (scopeChanged) await tx.entra.clearScope(list.id);
      if (list.syncMethod !== 'entra') await tx.lists.setSyncMethod(list.id, 'entra', t);
    });
  }

  /**
   * The identity platform and Graph hosts a connection may use: Microsoft's (global, US Government,
   * China), over HTTPS. Anything else only when the server allows custom endpoints
   * (MUSTER_ENTRA_CUSTOM_ENDPOINTS, for an emulator or a proxy): an admin key must not be able to
   * make Muster fetch internal URLs.
   */
  private checkEndpoints(authorityUrl: string | undefined, graphUrl: string | undefined): void {
    if (this.allowCustomEndpoints) return;
    const ok = (u: string | undefined, hosts: readonly string[]) => {
      if (u === undefined) return true;
      try {
        const url = new URL(u);
        return url.protocol === 'https:' && hosts.includes(url.hostname.toLowerCase()) && (url.pathname === '/' || url.pathname === '');
      } catch {
        return false;
      }
    };
    if (!ok(authorityUrl, AUTHORITY_HOSTS)) throw new EntraSyncError(400, 'invalid_endpoint', `authorityUrl must be https://${AUTHORITY_HOSTS.join(', https://')}`);
    if (!ok(graphUrl, GRAPH_HOSTS)) throw new EntraSyncError(400, 'invalid_endpoint', `graphUrl must be https://${GRAPH_HOSTS.join(', https://')}`);
  }

  /** "Test connection": how many users and groups the app can read, or which permission is missing. */
  async test(listId: string): Promise<{ ok: boolean; users?: number; groups?: number; missingPermissions: string[]; error?: string }> {
    const conn = await this.requireConnection(listId);
    const c = this.client(conn);
    const missing: string[] = [];
    let users: number | undefined, groups: number | undefined;
    try {
      users = Number(await c.getText('/v1.0/users/$count', { ConsistencyLevel: 'eventual' }));
    } catch (err) {
      if (err instanceof GraphError && err.status === 403) missing.push('User.Read.All');
      else return { ok: false, missingPermissions: [], error: (err as Error).message };
    }
    try {
      groups = Number(await c.getText('/v1.0/groups/$count', { ConsistencyLevel: 'eventual' }));
      const ids = JSON.parse(conn.group_ids) as string[];
      await c.get(`/v1.0/groups/delta?$select=displayName,members&$filter=${encodeURIComponent(`id eq '${ids[0]}'`)}`);
    } catch (err) {
      if (err instanceof GraphError && err.status === 403) missing.push('GroupMember.Read.All');
      else return { ok: false, users, missingPermissions: missing, error: (err as Error).message };
    }
    return { ok: missing.length === 0, ...(users !== undefined ? { users } : {}), ...(groups !== undefined ? { groups } : {}), missingPermissions: missing };
  }

  /**
   * Reads from Graph the names of chosen groups not named yet (GET /groups/{id}: one try each, no
   * retries: the admin waits). A group Graph cannot name keeps its id on screen until a run names it.
   */
  async resolveGroupNames(listId: string): Promise<void> {
    const conn = await this.requireConnection(listId);
    const names = groupNamesOf(conn);
    const missing = (JSON.parse(conn.group_ids) as string[]).filter((id) => !names.has(id));
    if (!missing.length) return;
    const c = new GraphClient({
      tenantId: conn.tenant_id, clientId: conn.client_id, clientSecret: this.secrets().open(conn.secret_enc), authorityUrl: conn.authority_url, graphUrl: conn.graph_url,
    }, { ...this.graphOptions, maxAttempts: 1 });
    for (const id of missing) {
      try {
        const g = await c.get(`/v1.0/groups/${encodeURIComponent(id)}?$select=id,displayName`);
        if (typeof g.displayName === 'string' && isWellFormedText(g.displayName)) names.set(id, g.displayName);
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        this.log.warn('entra group name not resolved', { listId, groupId: id, status: err.status, code: err.code });
        if (err.status === 0 || err.status === 401) break; // unreachable or refused: the next ones would fail alike
      }
    }
    await this.store.entra.update(listId, { group_names: namesJson(names) });
  }

  /** Groups whose name starts with `q`, for the scope picker. */
  async searchGroups(listId: string, q: string): Promise<{ id: string; displayName: string }[]> {
    const c = this.client(await this.requireConnection(listId));
    const filter = encodeURIComponent(`startswith(displayName,'${q.replace(/'/g, "''")}')`);
    const page = await c.page(`/v1.0/groups?$filter=${filter}&$select=id,displayName&$top=25`);
    return page.value.map((g) => ({ id: String(g.id), displayName: String(g.displayName ?? '') }));
  }

  private async requireConnection(listId: string): Promise<EntraConnectionRow> {
    const conn = await this.store.entra.get(listId);
    if (!conn) throw notConnected();
    return conn;
  }

  /** Queues a run unless one is already queued or running for the list; returns the run's job id. */
  async enqueue(listId: string, reason: 'manual' | 'schedule'): Promise<string> {
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(listId, true); // serialises enqueues of one list across nodes (PostgreSQL row lock)
      // Checked under that lock, which a change of sync method takes too (it records an audit
      // event): a list switched away from Entra sync meanwhile gets no run.
      if (!(await tx.entra.get(listId))) throw notConnected();
      const active = (await tx.roster.jobs(listId, 20)).find((j) => j.kind === ENTRA_JOB && (j.status === 'queued' || j.status === 'running'));
      if (active) return active.id;
      const id = randomUUID();
      await tx.roster.enqueue({ id, listId, kind: ENTRA_JOB, params: { reason }, total: 0, now: now() });
      return id;
    });
  }

  /** Enqueues the runs whose schedule is due (any node may call this; duplicates are refused). */
  async schedule(): Promise<number> {
    let n = 0;
    for (const conn of await this.store.entra.due(now())) {
      await this.enqueue(conn.list_id, 'schedule');
      const every = SCHEDULES[conn.schedule as Schedule] ?? SCHEDULES.hourly;
      await this.store.entra.update(conn.list_id, { next_run_at: new Date(Date.now() + every).toISOString() });
      n++;
    }
    return n;
  }

  /** The job handler: runs (or resumes) one round, saving progress after every page. */
  async run(job: JobRow, save: (state: unknown, done: number) => Promise<boolean>): Promise<unknown> {
    const list = await this.store.lists.get(job.list_id);
    const conn = await this.requireConnection(job.list_id);
    if (!list || list.syncMethod !== 'entra') throw new EntraSyncError(409, 'not_entra', 'the list no longer uses Entra sync');
    const params = JSON.parse(job.params) as { state?: RunState };
    const st: RunState = params.state ?? {
      phase: 'groups', full: !conn.users_delta_link || !conn.groups_delta_link, touched: [], sweepAfter: 0,
      pages: 0, created: 0, updated: 0, deactivated: 0, unchanged: 0, failed: 0, retries: 0, resyncs: 0, errors: [],
    };
    // Without delta links: never ran, or connect() dropped them because the chosen groups changed.
    if (st.full && !st.fullReason) st.fullReason = conn.last_run_at === null ? 'first' : 'scope';
    const graph = this.client(conn, () => st.retries++);
    const ctx = this.ctx(list, job.id);
    const checkpoint = async () => {
      if (!(await save({ ...params, state: st }, st.created + st.updated + st.deactivated + st.unchanged))) throw new Superseded();
    };
    try {
      for (;;) {
        try {
          await this.round(graph, conn, list, ctx, st, checkpoint);
          break;
        } catch (err) {
          // Graph no longer accepts the delta token: start a full round (learn.microsoft.com/graph/delta-query-overview, "Synchronization reset").
          // Graph answers an expired or unknown delta token with 410, or with 400 `syncStateNotFound`
          // (devblogs.microsoft.com, "Duration of change tracking tokens").
          const resync = err instanceof GraphError && (err.status === 410 || /syncStateNotFound|resyncRequired/i.test(err.code));
          if (resync && st.resyncs < 2) {
            st.resyncs++;
            st.fullReason = 'token';
            Object.assign(st, { phase: 'groups', full: true, nextLink: undefined, groupsDelta: undefined, usersDelta: undefined, touched: [], sweepAfter: 0 });
            await this.store.entra.update(list.id, { users_delta_link: null, groups_delta_link: null });
            await this.store.entra.clearScope(list.id);
            await checkpoint();
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      if (err instanceof Superseded) return undefined;
      throw err;
    }
    const every = SCHEDULES[conn.schedule as Schedule] ?? 0;
    const names = groupNamesOf((await this.store.entra.get(list.id)) ?? conn);
    for (const [id, name] of st.groupNames ?? []) names.set(id, name);
    await this.store.entra.update(list.id, {
      users_delta_link: st.usersDelta ?? null, groups_delta_link: st.groupsDelta ?? null, last_run_at: now(),
      next_run_at: every ? new Date(Date.now() + every).toISOString() : null, group_names: namesJson(names),
    });
    // Photos are fetched after the round, by a job of their own: a slow photo never holds up who is on the list.
    if (conn.sync_photos) {
      const busy = (await this.store.roster.jobs(list.id, 20)).some((j) => j.kind === ENTRA_PHOTOS_JOB && (j.status === 'queued' || j.status === 'running'));
      if (!busy) await this.store.roster.enqueue({ id: randomUUID(), listId: list.id, kind: ENTRA_PHOTOS_JOB, params: {}, total: await this.store.entra.scopeCount(list.id), now: now() });
    }
    const { nextLink: _n, touched: _t, groupsDelta: _g, usersDelta: _u, groupNames: _names, ...summary } = st;
    return { ...summary, notes: runNotes(st) };
  }

  private ctx(list: MasterList, jobId: string): ScimCtx {
    return {
      list, baseUrl: `urn:muster:list:${list.id}`, notes: new Normalisations(),
      caller: {
        requestId: jobId, tokenId: 'entra-sync', tokenLabel: 'Entra ID pull sync', tokenIdp: 'Microsoft Entra ID', userAgent: undefined,
        actor: 'entra-sync', idp: { name: 'Microsoft Entra ID', evidence: 'graph-pull' },
      },
    };
  }

  private async round(graph: GraphClient, conn: EntraConnectionRow, list: MasterList, ctx: ScimCtx, st: RunState, checkpoint: () => Promise<void>): Promise<void> {
    const groupIds = JSON.parse(conn.group_ids) as string[];
    if (st.phase === 'groups') {
      // A full round rebuilds the scope from nothing (a previous full round may have failed half-way).
      if (st.full && !st.nextLink) await this.store.entra.clearScope(list.id);
      const filter = groupIds.map((id) => `id eq '${id.replace(/'/g, "''")}'`).join(' or ');
      let url = st.nextLink ?? (st.full ? `/v1.0/groups/delta?$select=displayName,members&$filter=${encodeURIComponent(filter)}` : conn.groups_delta_link!);
      for (;;) {
        const page = await graph.page(url);
        for (const g of page.value) await this.applyGroup(list.id, g, st);
        st.pages++;
        if (page.nextLink) {
          st.nextLink = url = page.nextLink;
          await checkpoint();
          continue;
        }
        st.groupsDelta = page.deltaLink;
        st.nextLink = undefined;
        st.phase = 'users';
        await checkpoint();
        break;
      }
    }
    if (st.phase === 'users') {
      const select = [...GRAPH_USER_SELECT, 'manager'].join(',');
      let url = st.nextLink ?? (st.full ? `/v1.0/users/delta?$select=${select}` : conn.users_delta_link!);
      for (;;) {
        const page = await graph.page(url);
        // A full round's first pages carry every current manager link; a delta round's only changed ones.
        await this.applyUsers(graph, list, ctx, page.value, st, st.full);
        st.pages++;
        if (page.nextLink) {
          st.nextLink = url = page.nextLink;
          await checkpoint();
          continue;
        }
        st.usersDelta = page.deltaLink;
        st.nextLink = undefined;
        st.phase = st.full ? 'sweep' : 'joins';
        await checkpoint();
        break;
      }
    }
    if (st.phase === 'joins') {
      // Joined a scoped group without any change of their own: not in users/delta, so read them by id.
      const touched = [...new Set(st.touched)];
      const known = await this.store.users.byExternalIds(list, touched);
      const inScope = await this.store.entra.inScope(list.id, touched);
      const select = GRAPH_USER_SELECT.join(',');
      let n = 0;
      for (const id of touched) {
        // Checkpoints renew the run's lock: a long joins phase must not look like a dead node.
        if (++n % 50 === 0) await checkpoint();
        if (inScope.has(id) && !known.get(id)?.active) {
          try {
            const u = await graph.get(`/v1.0/users/${encodeURIComponent(id)}?$select=${select}&$expand=${encodeURIComponent('manager($select=id)')}`);
            await this.applyUsers(graph, list, ctx, [u], st, true);
          } catch (err) {
            if (!(err instanceof GraphError && err.status === 404)) throw err;
          }
        } else if (!inScope.has(id) && known.get(id)?.active) {
          await this.deactivate(ctx, known.get(id)!.id, st);
        }
      }
      st.phase = 'done';
      await checkpoint();
    }
    if (st.phase === 'sweep') {
      // A full round finished cleanly: whoever is no longer in scope is deactivated, never deleted.
      for (;;) {
        const batch = await this.store.users.activeAfter(list.id, st.sweepAfter, 500);
        if (!batch.length) break;
        const inScope = await this.store.entra.inScope(list.id, batch.map((b) => b.externalId ?? ''));
        for (const p of batch) if (!p.externalId || !inScope.has(p.externalId)) await this.deactivate(ctx, p.id, st);
        st.sweepAfter = batch[batch.length - 1]!.seq;
        await checkpoint();
        await yieldToEventLoop();
      }
      st.phase = 'done';
      await checkpoint();
    }
  }

  private async applyGroup(listId: string, g: Record<string, unknown>, st: RunState): Promise<void> {
    if (typeof g.id !== 'string' || !isWellFormedText(g.id)) return problem(st, 'a group whose Entra id is not well-formed text was ignored');
    const gid = g.id;
    // groups/delta names the group on its first page ($select=displayName): keep the name for the Sync tab.
    if (typeof g.displayName === 'string' && isWellFormedText(g.displayName)) {
      st.groupNames = [...(st.groupNames ?? []).filter(([id]) => id !== gid), [gid, g.displayName]];
    }
    if (g['@removed']) {
      // The group is gone: its members leave the scope (unless another scoped group holds them).
      const before = await this.store.entra.groupMembers(listId, gid);
      await this.store.entra.removeScope(listId, gid);
      st.touched.push(...before);
      return;
    }
    const delta = Array.isArray(g['members@delta']) ? (g['members@delta'] as Record<string, unknown>[]) : [];
    const all = delta.filter((m) => String(m['@odata.type'] ?? '#microsoft.graph.user').toLowerCase() === '#microsoft.graph.user');
    // An id that is not well-formed text names nobody Muster could store (PostgreSQL refuses NUL).
    const users = all.filter((m) => typeof m.id === 'string' && isWellFormedText(m.id));
    if (users.length < all.length) problem(st, `${all.length - users.length} member(s) of group ${gid} with an Entra id that is not well-formed text were ignored`);
    const added = users.filter((m) => !m['@removed']).map((m) => String(m.id));
    const removed = users.filter((m) => m['@removed']).map((m) => String(m.id));
    if (added.length) await this.store.entra.addScope(listId, gid, added);
    if (removed.length) await this.store.entra.removeScope(listId, gid, removed);
    if (!st.full) st.touched.push(...added, ...removed);
  }

  /**
   * Writes a page of Graph users. `complete`: the objects carry every manager link (a first round,
   * a read by id), so a missing one means no manager; otherwise (a delta round) it means unchanged.
   */
  private async applyUsers(graph: GraphClient, list: MasterList, ctx: ScimCtx, users: readonly Record<string, unknown>[], st: RunState, complete: boolean): Promise<void> {
    await yieldToEventLoop();
    const ids = users.map((u) => u.id).filter((id): id is string => typeof id === 'string' && isWellFormedText(id));
    const inScope = await this.store.entra.inScope(list.id, ids);
    const changes = new Map<string, ManagerChange>();
    for (const u of users) if (typeof u.id === 'string') changes.set(u.id, managerChangeOf(u, complete));
    const managers = [...changes.values()].flatMap((c) => (c.kind === 'set' ? [c.id] : []));
    const known = await this.store.users.byExternalIds(list, [...ids, ...managers]);
    const waiting = new Map<string, string>();
    const settled: string[] = [];
    for (const raw of users) {
      if (typeof raw.id !== 'string' || !isWellFormedText(raw.id)) {
        st.failed++;
        problem(st, 'a user whose Entra id is not well-formed text was skipped');
        continue;
      }
      const id = raw.id;
      const person = known.get(id);
      if (raw['@removed']) {
        if (person?.active) await this.deactivate(ctx, person.id, st);
        settled.push(id);
        continue;
      }
      if (!inScope.has(id)) {
        if (person?.active) await this.deactivate(ctx, person.id, st); // left the scope
        continue;
      }
      const checked = checkGraphUser(raw);
      if (checked.refused) {
        // Written as it is, the text would not read back as written (the audit chain would look
        // edited) or PostgreSQL would refuse it; no repair can be trusted to name the same person.
        st.failed++;
        problem(st, `${id}: not written, ${checked.refused}; correct it in Entra ID`);
        if (person?.active && raw.accountEnabled === false) await this.deactivate(ctx, person.id, st); // disabled in Entra: never left active
        continue;
      }
      const u = checked.user;
      const name = String(u.userPrincipalName ?? id);
      if (checked.repaired.length) {
        problem(st, `${name}: ${checked.repaired.join(', ')} held text that is not well-formed Unicode or NUL; stored with U+FFFD for lone surrogates and without NUL`);
      }
      let change = changes.get(id) ?? { kind: 'unchanged' };
      let managerPerson = change.kind === 'set' ? known.get(change.id)?.id : undefined;
      if (change.kind === 'unchanged' && !person?.active) {
        // Arriving in a delta round with no word on the manager (it did not change in Entra): there
        // is no link of ours to keep, so ask Graph who it is.
        change = await this.readManager(graph, id);
        if (change.kind === 'set') managerPerson = (await this.store.users.byExternalIds(list, [change.id])).get(change.id)?.id;
      }
      if (change.kind === 'set' && !managerPerson) waiting.set(id, change.id); // linked when the manager arrives
      else if (change.kind !== 'unchanged') settled.push(id);
      const before = person ? await this.store.users.get(list.id, person.id) : undefined;
      const stored = (before?.data[ENTERPRISE_USER_SCHEMA] as Record<string, unknown> | undefined)?.manager;
      const doc = graphUserToScim(u, managerToWrite(change, managerPerson, stored));
      try {
        if (!person) {
          await this.scim.create(ctx, 'User', doc, false);
          st.created++;
        } else {
          // Counted from what was written (its version) and sent (active), not read back.
          const written = await this.scim.replace(ctx, 'User', person.id, doc, undefined, false);
          if (before && written.etag === etagOf(before.version)) st.unchanged++;
          else if (doc.active === false && before?.data.active !== false) st.deactivated++;
          else st.updated++;
        }
      } catch (err) {
        if (!(err instanceof ScimError)) throw err;
        st.failed++;
        problem(st, `${name}: ${err.detail}`);
      }
    }
    st.updated += await this.managers.afterPage(list, ctx, waiting, settled, ids);
  }

  /** The manager of one user, read by id (404: none). */
  private async readManager(graph: GraphClient, id: string): Promise<ManagerChange> {
    try {
      return managerChangeOf({ manager: await graph.get(`/v1.0/users/${encodeURIComponent(id)}/manager?$select=id`) }, true);
    } catch (err) {
      if (err instanceof GraphError && err.status === 404) return { kind: 'removed' };
      throw err;
    }
  }

  private async deactivate(ctx: ScimCtx, personId: string, st: RunState): Promise<void> {
    await this.scim.deactivate(ctx, personId);
    st.deactivated++;
  }
}

class Superseded extends Error {}

/** A run problem shown with the run (its first 20). */
function problem(st: RunState, message: string): void {
  if (st.errors.length < 20) st.errors.push(message);
}
