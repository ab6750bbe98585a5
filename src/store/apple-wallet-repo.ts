import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export type AppleWalletSettingsRow = Selectable<Database['apple_wallet_settings']>;
export type ApplePassRow = Selectable<Database['apple_passes']>;
export type ApplePassRegistrationRow = Selectable<Database['apple_pass_registrations']>;

/**
 * The owner of the installation's wallet credentials, in place of an organisation id: its
 * settings live in their own table (no organisation to reference), shaped like an organisation's.
 */
export const INSTALLATION = '*installation*';
const appleTable = (orgId: string) => (orgId === INSTALLATION ? 'installation_apple_wallet' as const : 'apple_wallet_settings' as const);

/** Apple Wallet settings per organisation, passes, and the devices registered for their updates. */
export class AppleWalletRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async settings(orgId: string): Promise<AppleWalletSettingsRow | undefined> {
    return this.db.selectFrom(appleTable(orgId)).selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  async putSettings(row: Insertable<Database['apple_wallet_settings']>): Promise<void> {
    const { org_id: _o, created_at: _c, ...update } = row;
    await this.db.insertInto(appleTable(row.org_id)).values(row).onConflict((oc) => oc.column('org_id').doUpdateSet(update)).execute();
  }

  async deleteSettings(orgId: string): Promise<boolean> {
    const r = await this.db.deleteFrom(appleTable(orgId)).where('org_id', '=', orgId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async insertPass(row: Insertable<Database['apple_passes']>): Promise<void> {
    await this.db.insertInto('apple_passes').values(row).execute();
  }

  async pass(credentialId: string): Promise<ApplePassRow | undefined> {
    return this.db.selectFrom('apple_passes').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
  }

  async setModified(credentialId: string, modifiedAt: string): Promise<void> {
    await this.db.updateTable('apple_passes').set({ modified_at: modifiedAt }).where('credential_id', '=', credentialId).execute();
  }

  async registration(device: string, passType: string, serial: string): Promise<ApplePassRegistrationRow | undefined> {
    return this.db.selectFrom('apple_pass_registrations').selectAll()
      .where('device_library_identifier', '=', device).where('pass_type_identifier', '=', passType).where('serial_number', '=', serial).executeTakeFirst();
  }

  async insertRegistration(row: Insertable<Database['apple_pass_registrations']>): Promise<void> {
    await this.db.insertInto('apple_pass_registrations').values(row).execute();
  }

  async setPushToken(device: string, passType: string, serial: string, pushToken: string, now: string): Promise<void> {
    await this.db.updateTable('apple_pass_registrations').set({ push_token: pushToken, updated_at: now })
      .where('device_library_identifier', '=', device).where('pass_type_identifier', '=', passType).where('serial_number', '=', serial).execute();
  }

  async deleteRegistration(device: string, passType: string, serial: string): Promise<boolean> {
    const r = await this.db.deleteFrom('apple_pass_registrations')
      .where('device_library_identifier', '=', device).where('pass_type_identifier', '=', passType).where('serial_number', '=', serial).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The device's passes of a type, with their modification time, optionally only those modified after `since`. */
  async passesOfDevice(device: string, passType: string, since: string | undefined): Promise<Array<{ serial: string; modifiedAt: string }>> {
    let q = this.db.selectFrom('apple_pass_registrations as r').innerJoin('apple_passes as p', 'p.credential_id', 'r.serial_number')
      .select(['r.serial_number as serial', 'p.modified_at as modifiedAt'])
      .where('r.device_library_identifier', '=', device).where('r.pass_type_identifier', '=', passType);
    if (since !== undefined) q = q.where('p.modified_at', '>', since);
    return q.orderBy('r.serial_number').execute();
  }

  async registrationsOf(serial: string): Promise<ApplePassRegistrationRow[]> {
    return this.db.selectFrom('apple_pass_registrations').selectAll().where('serial_number', '=', serial).orderBy('device_library_identifier').execute();
  }

  /**
   * Drops one pass's registrations on a push token APNs called invalid (410), except those
   * (re-)registered after `before` (APNs 410 "timestamp": the device may have registered again
   * since). Only this pass's: the same device's passes of other people, lists and organisations
   * share the token, but each is recorded in its own list's audit trail, under its own list's
   * lock, so each is dropped by its own push when that push meets the 410.
   */
  async dropPushToken(passType: string, serial: string, pushToken: string, before: string): Promise<ApplePassRegistrationRow[]> {
    const rows = await this.db.selectFrom('apple_pass_registrations').selectAll()
      .where('pass_type_identifier', '=', passType).where('serial_number', '=', serial).where('push_token', '=', pushToken).where('updated_at', '<=', before).execute();
    if (rows.length) {
      await this.db.deleteFrom('apple_pass_registrations')
        .where('pass_type_identifier', '=', passType).where('serial_number', '=', serial).where('push_token', '=', pushToken).where('updated_at', '<=', before).execute();
    }
    return rows;
  }
}
