import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export type AdminKeyRow = Selectable<Database['admin_keys']>;

/** Admin API keys of organisations; like SCIM tokens, only the SHA-256 of a secret is stored. */
export class AdminKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<Database['admin_keys']>): Promise<void> {
    await this.db.insertInto('admin_keys').values(row).execute();
  }

  async findActiveByHash(hash: string): Promise<AdminKeyRow | undefined> {
    return this.db.selectFrom('admin_keys').selectAll().where('secret_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
  }

  async forOrg(orgId: string): Promise<AdminKeyRow[]> {
    return this.db.selectFrom('admin_keys').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
  }

  async revoke(id: string, now: string): Promise<boolean> {
    const r = await this.db.updateTable('admin_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async touch(id: string, now: string): Promise<void> {
    await this.db.updateTable('admin_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
