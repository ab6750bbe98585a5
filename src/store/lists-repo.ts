import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { Prepared } from './prepared.js';

export type UidAttribute = 'employeeNumber' | 'userName' | 'email';
export type SyncMethod = 'none' | 'scim' | 'entra';

export interface Organisation { readonly id: string; readonly name: string; readonly createdAt: string }
export interface MasterList {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly uidAttribute: UidAttribute;
  readonly syncMethod: SyncMethod;
  readonly strict: boolean;
  /** Whether externalId must be unique among this list's users (and among its groups). On by default. */
  readonly externalIdUnique: boolean;
  /** Increments whenever the roster schema or mapping changes. */
  readonly mappingVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

type ListRow = Selectable<Database['lists']>;
/** Read by every SCIM request (its token's list): compiled once (src/store/prepared.ts). */
const GET = new Prepared<{ id: string }, ListRow>(['id'], (db, p) => db.selectFrom('lists').selectAll().where('id', '=', p.id));
/** The columns `toList` reads. */
type ListFields = Pick<ListRow, 'id' | 'org_id' | 'name' | 'uid_attribute' | 'sync_method' | 'strict' | 'external_id_unique' | 'mapping_version' | 'created_at' | 'updated_at'>;
export const toList = (r: ListFields): MasterList => ({
  id: r.id, orgId: r.org_id, name: r.name, uidAttribute: r.uid_attribute as UidAttribute,
  syncMethod: r.sync_method as SyncMethod, strict: Number(r.strict) === 1, externalIdUnique: Number(r.external_id_unique) === 1, mappingVersion: Number(r.mapping_version), createdAt: r.created_at, updatedAt: r.updated_at,
});

export class ListsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async createOrganisation(id: string, name: string, now: string): Promise<Organisation> {
    await this.db.insertInto('organisations').values({ id, name, created_at: now }).execute();
    return { id, name, createdAt: now };
  }

  async renameOrganisation(id: string, name: string): Promise<void> {
    await this.db.updateTable('organisations').set({ name }).where('id', '=', id).execute();
  }

  /** Whether a photo an admin takes in a capture session is approved in the same step (issue 14, item 3). */
  async captureApproves(orgId: string): Promise<boolean> {
    const r = await this.db.selectFrom('organisations').select('capture_approves').where('id', '=', orgId).executeTakeFirst();
    return Number(r?.capture_approves ?? 0) === 1;
  }

  async setCaptureApproves(orgId: string, on: boolean): Promise<void> {
    await this.db.updateTable('organisations').set({ capture_approves: on ? 1 : 0 }).where('id', '=', orgId).execute();
  }

  /** Whether people on a finished print batch are emailed "your card is ready" (issue 14, migration 024). */
  async cardReadyEmail(orgId: string): Promise<boolean> {
    const r = await this.db.selectFrom('organisations').select('card_ready_email').where('id', '=', orgId).executeTakeFirst();
    return Number(r?.card_ready_email ?? 0) === 1;
  }

  async setCardReadyEmail(orgId: string, on: boolean): Promise<void> {
    await this.db.updateTable('organisations').set({ card_ready_email: on ? 1 : 0 }).where('id', '=', orgId).execute();
  }

  async organisations(): Promise<Organisation[]> {
    const rows = await this.db.selectFrom('organisations').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async organisation(idOrName: string): Promise<Organisation | undefined> {
    const r = await this.db.selectFrom('organisations').selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
    return r ? { id: r.id, name: r.name, createdAt: r.created_at } : undefined;
  }

  async create(list: MasterList): Promise<MasterList> {
    await this.db.insertInto('lists').values({
      id: list.id, org_id: list.orgId, name: list.name, uid_attribute: list.uidAttribute,
      sync_method: list.syncMethod, strict: list.strict ? 1 : 0, external_id_unique: list.externalIdUnique ? 1 : 0, created_at: list.createdAt, updated_at: list.updatedAt,
    }).execute();
    return list;
  }

  /**
   * Whether externalIds are unique is set when a list is created and never changes: its people's
   * `external_id_key` (the unique index) is filled by it, and `externalId eq` lookups read that
   * index (filter-sql.ts, uniqueUserKey). Changing it would need every row re-keyed first.
   */
  async configure(id: string, changes: { name?: string; strict?: boolean }, now: string): Promise<void> {
    await this.db.updateTable('lists').set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.strict !== undefined ? { strict: changes.strict ? 1 : 0 } : {}),
      updated_at: now,
    }).where('id', '=', id).execute();
  }

  /**
   * Sets the unique identifier; `requiredImplied` says whether its field is required only because
   * it is the identifier (true) or was required already, by the admin's choice (false).
   */
  async setUidAttribute(id: string, uid: UidAttribute, now: string, requiredImplied = true): Promise<void> {
    await this.db.updateTable('lists').set({ uid_attribute: uid, uid_required_implied: requiredImplied ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
  }

  /** True while the unique field is required only because it is the unique identifier (see setUidAttribute). */
  async uidRequiredImplied(id: string): Promise<boolean> {
    const r = await this.db.selectFrom('lists').select('uid_required_implied').where('id', '=', id).executeTakeFirst();
    return Number(r?.uid_required_implied ?? 1) === 1;
  }

  async setUidRequiredImplied(id: string, implied: boolean): Promise<void> {
    await this.db.updateTable('lists').set({ uid_required_implied: implied ? 1 : 0 }).where('id', '=', id).execute();
  }

  async setSyncMethod(id: string, method: SyncMethod, now: string): Promise<void> {
    await this.db.updateTable('lists').set({ sync_method: method, updated_at: now }).where('id', '=', id).execute();
  }

  async get(id: string): Promise<MasterList | undefined> {
    const r = await GET.first(this.db, { id });
    return r ? toList(r) : undefined;
  }

  async all(orgId?: string): Promise<MasterList[]> {
    let q = this.db.selectFrom('lists').selectAll().orderBy('created_at').orderBy('id');
    if (orgId) q = q.where('org_id', '=', orgId);
    return (await q.execute()).map(toList);
  }
}
