import type { Kysely } from 'kysely';

/**
 * Apple Wallet: each organisation's pass settings (its Pass Type ID certificate and key, sealed
 * with MUSTER_SECRET_KEY), the pass behind each `apple_pass` credential, and the devices Wallet
 * registered for updates (PassKit web service, "Register a Pass for Update Notifications").
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('apple_wallet_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
    .addColumn('pass_type_identifier', 'text', (c) => c.notNull())
    .addColumn('team_identifier', 'text', (c) => c.notNull())
    .addColumn('organization_name', 'text', (c) => c.notNull())
    // PEM certificate, key and WWDR as JSON, sealed (SecretBox); never returned by the API.
    .addColumn('signing_enc', 'text', (c) => c.notNull())
    // What the API may show: subject, issuer, validity and fingerprint of both certificates (JSON).
    .addColumn('certificate_info', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('apple_passes')
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('pass_type_identifier', 'text', (c) => c.notNull())
    // The authenticationToken Wallet sends back as "ApplePass <token>": sealed, so every re-issued
    // pass carries the same one, and hashed, so requests are checked without opening it.
    .addColumn('auth_token_hash', 'text', (c) => c.notNull())
    .addColumn('auth_token_enc', 'text', (c) => c.notNull())
    // Whole seconds, strictly increasing per pass: Last-Modified and the update tag.
    .addColumn('modified_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('apple_pass_registrations')
    .addColumn('device_library_identifier', 'text', (c) => c.notNull())
    .addColumn('pass_type_identifier', 'text', (c) => c.notNull())
    .addColumn('serial_number', 'text', (c) => c.notNull())
    .addColumn('push_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('apple_pass_registrations_pk', ['device_library_identifier', 'pass_type_identifier', 'serial_number'])
    .execute();
  await db.schema.createIndex('apple_pass_registrations_serial').on('apple_pass_registrations').columns(['serial_number']).execute();
  await db.schema.createIndex('apple_pass_registrations_token').on('apple_pass_registrations').columns(['pass_type_identifier', 'push_token']).execute();
}
