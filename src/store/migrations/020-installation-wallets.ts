import type { Kysely } from 'kysely';

/**
 * Wallets without per-organisation developer accounts (issue 14, item 4), and capture sessions
 * that approve in one step (item 3):
 * - `installation_apple_wallet` / `installation_google_wallet`: the installation's own Apple Pass
 *   Type ID certificate and Google issuer account, set once by the operator, shaped like the
 *   per-organisation tables (one row, `org_id` = '*installation*', no foreign key) so the same
 *   code validates and seals them. An organisation's own settings take precedence.
 * - `wallet_branding`: an organisation's colours and logo for passes issued under the
 *   installation's credentials (its name comes from the organisation itself).
 * - `organisations.capture_approves`: a photo an admin takes in a capture session is approved in
 *   the same step (off by default).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('installation_apple_wallet')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('pass_type_identifier', 'text', (c) => c.notNull())
    .addColumn('team_identifier', 'text', (c) => c.notNull())
    .addColumn('organization_name', 'text', (c) => c.notNull())
    .addColumn('signing_enc', 'text', (c) => c.notNull())
    .addColumn('certificate_info', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('installation_google_wallet')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('issuer_id', 'text', (c) => c.notNull())
    .addColumn('class_suffix', 'text', (c) => c.notNull())
    .addColumn('client_email', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_enc', 'text', (c) => c.notNull())
    .addColumn('token_url', 'text', (c) => c.notNull())
    .addColumn('api_url', 'text', (c) => c.notNull())
    .addColumn('logo_url', 'text')
    .addColumn('hero_image_url', 'text')
    .addColumn('background_color', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('wallet_branding')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
    .addColumn('background_color', 'text')
    .addColumn('foreground_color', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('organisations').addColumn('capture_approves', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
