import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Google Wallet: one issuer account per organisation (the service account key sealed with
 * MUSTER_SECRET_KEY, never returned), and the Google object behind each `google_pass` credential
 * with the state Google last confirmed, so the API can say whether Google has caught up.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('google_wallet_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
    .addColumn('issuer_id', 'text', (c) => c.notNull())
    .addColumn('class_suffix', 'text', (c) => c.notNull())
    .addColumn('client_email', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    // The whole service account key JSON, AES-256-GCM sealed (src/secrets/secret-box.ts).
    .addColumn('key_enc', 'text', (c) => c.notNull())
    .addColumn('token_url', 'text', (c) => c.notNull())
    .addColumn('api_url', 'text', (c) => c.notNull())
    .addColumn('logo_url', 'text')
    .addColumn('hero_image_url', 'text')
    .addColumn('background_color', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('google_wallet_objects')
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull().unique())
    .addColumn('class_id', 'text', (c) => c.notNull())
    // The barcode's value: the credential's verification URL at the origin it was issued from.
    .addColumn('verify_url', 'text', (c) => c.notNull())
    // ACTIVE or EXPIRED as Google last confirmed it; null until the object exists at Google.
    .addColumn('remote_state', 'text')
    .addColumn('synced_at', 'text')
    .addColumn('last_error', 'text')
    // The request whose status change Google has yet to get: whichever job pushes it, the audit
    // event names the request that caused it.
    .addColumn('cause_request_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
