import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { chunked } from './chunks.js';
import { rethrowUnique } from './unique-violation.js';
import { parseJson, userNameOf, type PageQuery } from './users-repo.js';
import { keysetClauses, type KeysetPosition, type KeysetQuery } from './paging-repo.js';
import { rowsOf, type ScanPool } from './scan-pool.js';
import { countRows, pageRows } from './page-rows.js';

export interface GroupWrite {
  readonly id: string;
  readonly listId: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly externalIdUnique: boolean;
  readonly data: Readonly<Record<string, unknown>>;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface GroupRecord {
  readonly id: string;
  readonly listId: string;
  readonly data: Record<string, unknown>;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface MemberRecord {
  readonly value: string;
  readonly type: string;
  readonly display: string | null;
}

/** The columns a GroupRecord is made of (toRecord). */
const GROUP_COLUMNS = sql.raw('groups.id, groups.list_id, groups.data, groups.version, groups.created, groups.last_modified');

type Row = Pick<Database['groups'], 'id' | 'list_id' | 'version' | 'created' | 'last_modified'> & { data: unknown };
const toRecord = (r: Row): GroupRecord => ({
  id: r.id, listId: r.list_id, data: parseJson(r.data), version: Number(r.version), created: r.created, lastModified: r.last_modified,
});

const CHUNK = 500;
const memberRecord = (r: { member_id: string; member_type: string; display: string | null; display_name: string | null; user_name: string | null; group_name: string | null }): MemberRecord =>
  ({ value: r.member_id, type: r.member_type, display: r.display ?? r.display_name ?? r.user_name ?? r.group_name ?? null });

/**
 * Groups and their members. Membership always changes by delta: rows are inserted or deleted
 * one member at a time, so a one-member change costs the same in a group of any size.
 */
export class GroupsRepo {
  /** `scans`: the lane of whole-list reads (scan-pool.ts), for queries that read a whole list (outside a transaction only). */
  constructor(private readonly db: Kysely<Database>, private readonly scans?: ScanPool) {}

  async insert(g: GroupWrite): Promise<void> {
    try {
      await this.db.insertInto('groups').values({
        id: g.id, list_id: g.listId, display_name: g.displayName, display_name_lc: g.displayName.toLowerCase(),
        external_id: g.externalId, external_id_key: g.externalIdUnique ? g.externalId : null,
        data: JSON.stringify(g.data), version: g.version, created: g.created, last_modified: g.lastModified,
      }).execute();
    } catch (err) {
      rethrowUnique(err);
    }
  }

  async update(g: GroupWrite, expectedVersion: number): Promise<boolean> {
    try {
      const res = await this.db.updateTable('groups').set({
        display_name: g.displayName, display_name_lc: g.displayName.toLowerCase(), external_id: g.externalId,
        external_id_key: g.externalIdUnique ? g.externalId : null, data: JSON.stringify(g.data), version: g.version, last_modified: g.lastModified,
      }).where('id', '=', g.id).where('list_id', '=', g.listId).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    } catch (err) {
      rethrowUnique(err);
    }
  }

  async delete(listId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('groups').where('list_id', '=', listId).where('id', '=', id).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('group_members').where('group_id', '=', id).execute();
    await this.db.deleteFrom('group_members').where('member_id', '=', id).execute();
    return true;
  }

  async get(listId: string, id: string): Promise<GroupRecord | undefined> {
    const r = await this.db.selectFrom('groups').select(['id', 'list_id', 'data', 'version', 'created', 'last_modified'])
      .where('list_id', '=', listId).where('id', '=', id).executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  async count(q: Pick<PageQuery, 'listId' | 'where' | 'scan' | 'gone'>): Promise<number> {
    return countRows(this.db, this.scans, 'groups', q);
  }

  /** One page (page-rows.ts). */
  async page(q: PageQuery): Promise<GroupRecord[]> {
    return (await pageRows<Row>(this.db, this.scans, 'groups', GROUP_COLUMNS, q)).map(toRecord);
  }

  async existing(listId: string, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      // By id alone, checked against the list here (see UsersRepo.existing).
      const rows = await this.db.selectFrom('groups').select(['id', 'list_id']).where('id', 'in', ids.slice(i, i + CHUNK)).execute();
      for (const r of rows) if (r.list_id === listId) out.add(r.id);
    }
    return out;
  }

  /** Group members with what names them: a display the IdP sent, else the person's or the group's own name. */
  private membersQuery() {
    return this.db.selectFrom('group_members as gm')
      .leftJoin('users as u', 'u.id', 'gm.member_id')
      .leftJoin('groups as mg', 'mg.id', 'gm.member_id')
      .select(['gm.group_id', 'gm.member_id', 'gm.member_type', 'gm.display', 'u.display_name', userNameOf('u').as('user_name'), 'mg.display_name as group_name']);
  }

  /** Members of several groups at once (one query), with the member's display name. */
  async membersOf(groupIds: readonly string[]): Promise<Map<string, MemberRecord[]>> {
    const out = new Map<string, MemberRecord[]>();
    for (const part of chunked(groupIds)) {
      const rows = await this.membersQuery().where('gm.group_id', 'in', part).orderBy('gm.group_id').orderBy('gm.created').orderBy('gm.member_id').execute();
      for (const r of rows) {
        const list = out.get(r.group_id) ?? [];
        list.push(memberRecord(r));
        out.set(r.group_id, list);
      }
    }
    return out;
  }

  /**
   * The groups among `groupIds` with at least `from` members. Each is asked whether it has a
   * `from`-th member (an index walk of at most `from` entries), never counted whole: a
   * million-member group would be a million entries read on every read of it.
   */
  async withAtLeast(groupIds: readonly string[], from: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of groupIds) {
      const hit = await this.db.selectFrom('group_members').select('member_id').where('group_id', '=', id)
        .orderBy('member_id').limit(1).offset(from - 1).executeTakeFirst();
      if (hit) out.add(id);
    }
    return out;
  }

  /**
   * One page of a group's members in the order of their ids, after `after` (keyset on the primary
   * key, group_id then member_id): how a large group is read a page at a time.
   */
  async memberPage(groupId: string, after: string | null, limit: number): Promise<MemberRecord[]> {
    let q = this.membersQuery().where('gm.group_id', '=', groupId);
    if (after !== null) q = q.where('gm.member_id', '>', after);
    return (await q.orderBy('gm.member_id').limit(limit).execute()).map(memberRecord);
  }

  /** Inserts members that are not there yet; returns the ids actually added. */
  async addMembers(listId: string, groupId: string, members: readonly { id: string; type: string; display: string | null }[], now: string): Promise<string[]> {
    const added: string[] = [];
    for (let i = 0; i < members.length; i += CHUNK) {
      const rows = await this.db.insertInto('group_members')
        .values(members.slice(i, i + CHUNK).map((m) => ({ list_id: listId, group_id: groupId, member_id: m.id, member_type: m.type, display: m.display, created: now })))
        .onConflict((oc) => oc.columns(['group_id', 'member_id']).doNothing())
        .returning('member_id')
        .execute();
      for (const r of rows) added.push(r.member_id);
    }
    return added;
  }

  /** Deletes the named members; returns the ids actually removed. */
  async removeMembers(groupId: string, ids: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db.deleteFrom('group_members').where('group_id', '=', groupId)
        .where('member_id', 'in', ids.slice(i, i + CHUNK)).returning('member_id').execute();
      for (const r of rows) removed.push(r.member_id);
    }
    return removed;
  }

  /** The group's members, counted up to `limit` at most (the index stops there). */
  async memberCountUpTo(groupId: string, limit: number): Promise<number> {
    const r = await this.db.selectFrom((eb) => eb.selectFrom('group_members').select(sql<number>`1`.as('one')).where('group_id', '=', groupId).limit(limit).as('m'))
      .select(sql<number>`count(*)`.as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Removes up to `limit` of the group's members (in the order of their ids); answers their ids. */
  async removeSomeMembers(groupId: string, limit: number): Promise<string[]> {
    const rows = await this.db.deleteFrom('group_members').where('group_id', '=', groupId)
      .where('member_id', 'in', (eb) => eb.selectFrom('group_members as gm').select('gm.member_id').where('gm.group_id', '=', groupId).orderBy('gm.member_id').limit(limit))
      .returning('member_id').execute();
    return rows.map((r) => r.member_id);
  }

  /** Removes the members matching a compiled member filter (`members[type eq "User"]`), or all; returns their ids. */
  async removeMembersWhere(groupId: string, where?: RawBuilder<unknown>): Promise<string[]> {
    let q = this.db.deleteFrom('group_members').where('group_id', '=', groupId);
    if (where) {
      q = q.where('member_id', 'in', (eb) => eb.selectFrom('group_members as gm').leftJoin('users as mu', 'mu.id', 'gm.member_id')
        .select('gm.member_id').where('gm.group_id', '=', groupId).where(where as RawBuilder<boolean>));
    }
    return (await q.returning('member_id').execute()).map((r) => r.member_id);
  }

  async touch(listId: string, groupId: string, now: string): Promise<void> {
    await this.db.updateTable('groups').set((eb) => ({ version: eb('version', '+', 1), last_modified: now }))
      .where('list_id', '=', listId).where('id', '=', groupId).execute();
  }

  /** One keyset page (RFC 9865 cursor paging; see keysetClauses in paging-repo.ts). */
  async keyset(q: KeysetQuery): Promise<{ record: GroupRecord; position: KeysetPosition }[]> {
    const c = keysetClauses('groups', q);
    const query = sql<Row & { seq: number | string; sort_key: string | number | null }>`SELECT groups.id, groups.list_id, groups.data, groups.version,
      groups.created, groups.last_modified, groups.seq, ${c.key} AS sort_key FROM groups WHERE ${c.where} ORDER BY ${c.order} LIMIT ${q.limit}`;
    const rows = await rowsOf(this.db, query, q.scan ? this.scans : undefined, q.listId, q.gone);
    return rows.map((r) => ({ record: toRecord(r), position: q.orderBy ? { key: r.sort_key, seq: Number(r.seq) } : { seq: Number(r.seq) } }));
  }
}
