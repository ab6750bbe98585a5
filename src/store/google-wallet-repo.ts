import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export type GoogleWalletSettingsRow = Selectable<Database['google_wallet_settings']>;
export type GoogleWalletObjectRow = Selectable<Database['google_wallet_objects']>;

/** Google Wallet issuer settings per organisation, and the Google object of each google_pass credential. */
export class GoogleWalletRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async settings(orgId: string): Promise<GoogleWalletSettingsRow | undefined> {
    return this.db.selectFrom('google_wallet_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  async saveSettings(row: Insertable<Database['google_wallet_settings']>): Promise<void> {
    await this.db.deleteFrom('google_wallet_settings').where('org_id', '=', row.org_id).execute();
    await this.db.insertInto('google_wallet_settings').values(row).execute();
  }

  async removeSettings(orgId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('google_wallet_settings').where('org_id', '=', orgId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async object(credentialId: string): Promise<GoogleWalletObjectRow | undefined> {
    return this.db.selectFrom('google_wallet_objects').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
  }

  async insertObject(row: Insertable<Database['google_wallet_objects']>): Promise<void> {
    await this.db.insertInto('google_wallet_objects').values(row).execute();
  }

  async setCause(credentialId: string, requestId: string | null): Promise<void> {
    await this.db.updateTable('google_wallet_objects').set({ cause_request_id: requestId }).where('credential_id', '=', credentialId).execute();
  }

  async synced(credentialId: string, set: { remote_state?: string | null; synced_at?: string | null; last_error: string | null }): Promise<void> {
    await this.db.updateTable('google_wallet_objects').set(set).where('credential_id', '=', credentialId).execute();
  }

  /** Takes the object's sync lease until `until`; false while another node holds it. */
  async claimSync(credentialId: string, now: string, until: string): Promise<boolean> {
    const r = await this.db.updateTable('google_wallet_objects').set({ sync_lease: until })
      .where('credential_id', '=', credentialId).where((eb) => eb.or([eb('sync_lease', 'is', null), eb('sync_lease', '<', now)])).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseSync(credentialId: string): Promise<void> {
    await this.db.updateTable('google_wallet_objects').set({ sync_lease: null }).where('credential_id', '=', credentialId).execute();
  }
}
