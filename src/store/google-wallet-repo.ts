import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { INSTALLATION } from './apple-wallet-repo.js';

export type GoogleWalletSettingsRow = Selectable<Database['google_wallet_settings']>;
export type GoogleWalletObjectRow = Selectable<Database['google_wallet_objects']>;
export type WalletBrandingRow = Selectable<Database['wallet_branding']>;
const googleTable = (orgId: string) => (orgId === INSTALLATION ? 'installation_google_wallet' as const : 'google_wallet_settings' as const);

/** Google Wallet issuer settings per organisation, and the Google object of each google_pass credential. */
export class GoogleWalletRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async settings(orgId: string): Promise<GoogleWalletSettingsRow | undefined> {
    return this.db.selectFrom(googleTable(orgId)).selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  async saveSettings(row: Insertable<Database['google_wallet_settings']>): Promise<void> {
    await this.db.deleteFrom(googleTable(row.org_id)).where('org_id', '=', row.org_id).execute();
    await this.db.insertInto(googleTable(row.org_id)).values(row).execute();
  }

  async removeSettings(orgId: string): Promise<boolean> {
    const r = await this.db.deleteFrom(googleTable(orgId)).where('org_id', '=', orgId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** An organisation's colours and logo for passes issued under the installation's credentials. */
  async branding(orgId: string): Promise<WalletBrandingRow | undefined> {
    return this.db.selectFrom('wallet_branding').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  async saveBranding(row: Insertable<Database['wallet_branding']>): Promise<void> {
    const { org_id: _o, ...update } = row;
    await this.db.insertInto('wallet_branding').values(row).onConflict((oc) => oc.column('org_id').doUpdateSet(update)).execute();
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
