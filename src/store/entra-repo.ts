import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database } from './schema.js';

export type EntraConnectionRow = Selectable<Database['entra_connections']>;

/** Entra sync state per list: the connection, its delta links, and who the scoped groups hold. */
export class EntraRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(listId: string): Promise<EntraConnectionRow | undefined> {
    return this.db.selectFrom('entra_connections').selectAll().where('list_id', '=', listId).executeTakeFirst();
  }

  async upsert(row: Insertable<Database['entra_connections']>): Promise<void> {
    await this.db.deleteFrom('entra_connections').where('list_id', '=', row.list_id).execute();
    await this.db.insertInto('entra_connections').values(row).execute();
  }

  async update(listId: string, set: Partial<Omit<EntraConnectionRow, 'list_id'>>): Promise<void> {
    await this.db.updateTable('entra_connections').set(set).where('list_id', '=', listId).execute();
  }

  async remove(listId: string): Promise<void> {
    await this.db.deleteFrom('entra_connections').where('list_id', '=', listId).execute();
    await this.db.deleteFrom('entra_scope').where('list_id', '=', listId).execute();
    await this.db.deleteFrom('entra_photo_checks').where('list_id', '=', listId).execute();
    await this.db.deleteFrom('entra_pending_managers').where('list_id', '=', listId).execute();
  }

  async due(now: string): Promise<EntraConnectionRow[]> {
    return this.db.selectFrom('entra_connections').selectAll().where('schedule', '<>', 'manual')
      .where((eb) => eb.or([eb('next_run_at', 'is', null), eb('next_run_at', '<=', now)])).execute();
  }

  async addScope(listId: string, groupId: string, userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 500) {
      await this.db.insertInto('entra_scope').values(userIds.slice(i, i + 500).map((u) => ({ list_id: listId, group_id: groupId, user_id: u })))
        .onConflict((oc) => oc.columns(['list_id', 'group_id', 'user_id']).doNothing()).execute();
    }
  }

  async removeScope(listId: string, groupId: string, userIds?: readonly string[]): Promise<void> {
    const base = () => this.db.deleteFrom('entra_scope').where('list_id', '=', listId).where('group_id', '=', groupId);
    if (!userIds) {
      await base().execute();
      return;
    }
    for (let i = 0; i < userIds.length; i += 500) await base().where('user_id', 'in', userIds.slice(i, i + 500)).execute();
  }

  async clearScope(listId: string): Promise<void> {
    await this.db.deleteFrom('entra_scope').where('list_id', '=', listId).execute();
  }

  /** Which of these Graph user ids are members of at least one scoped group. */
  async inScope(listId: string, userIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = await this.db.selectFrom('entra_scope').select('user_id').distinct().where('list_id', '=', listId)
        .where('user_id', 'in', userIds.slice(i, i + 500)).execute();
      for (const r of rows) out.add(r.user_id);
    }
    return out;
  }

  async groupMembers(listId: string, groupId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('entra_scope').select('user_id').where('list_id', '=', listId).where('group_id', '=', groupId).execute();
    return rows.map((r) => r.user_id);
  }

  async scopeCount(listId: string): Promise<number> {
    const r = await this.db.selectFrom('entra_scope').select(sql<number>`count(distinct user_id)`.as('n')).where('list_id', '=', listId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Every Graph user id in scope (streamed in pages by the caller). */
  async scopeUsers(listId: string, afterId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('entra_scope').select('user_id').distinct().where('list_id', '=', listId).where('user_id', '>', afterId)
      .orderBy('user_id').limit(limit).execute();
    return rows.map((r) => r.user_id);
  }

  /** When the person's Entra photo was last fetched, or undefined if never. */
  async photoCheckedAt(listId: string, personId: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('entra_photo_checks').select('checked_at').where('list_id', '=', listId).where('person_id', '=', personId).executeTakeFirst();
    return r?.checked_at;
  }

  async photoChecked(listId: string, personId: string, at: string, outcome: 'none' | 'pending' | 'refused'): Promise<void> {
    await this.db.deleteFrom('entra_photo_checks').where('list_id', '=', listId).where('person_id', '=', personId).execute();
    await this.db.insertInto('entra_photo_checks').values({ list_id: listId, person_id: personId, checked_at: at, outcome }).execute();
  }

  /** Remembers that `userId`'s manager is `managerId`, who is not on the list yet (replacing any earlier reference). */
  async setPendingManager(listId: string, userId: string, managerId: string): Promise<void> {
    await this.db.insertInto('entra_pending_managers').values({ list_id: listId, user_id: userId, manager_id: managerId })
      .onConflict((oc) => oc.columns(['list_id', 'user_id']).doUpdateSet({ manager_id: managerId })).execute();
  }

  async clearPendingManagers(listId: string, userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 500) {
      await this.db.deleteFrom('entra_pending_managers').where('list_id', '=', listId).where('user_id', 'in', userIds.slice(i, i + 500)).execute();
    }
  }

  /** The people waiting for one of these managers: [user id, manager id] pairs. */
  async pendingFor(listId: string, managerIds: readonly string[]): Promise<[userId: string, managerId: string][]> {
    const out: [string, string][] = [];
    for (let i = 0; i < managerIds.length; i += 500) {
      const rows = await this.db.selectFrom('entra_pending_managers').select(['user_id', 'manager_id']).where('list_id', '=', listId)
        .where('manager_id', 'in', managerIds.slice(i, i + 500)).execute();
      for (const r of rows) out.push([r.user_id, r.manager_id]);
    }
    return out;
  }
}
