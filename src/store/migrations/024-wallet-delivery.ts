import { sql, type Kysely } from 'kysely';

/**
 * Wallet pass delivery and the installation's owner (issue 14, items 1 and 4):
 * - `admins.installation_owner`: the account that may set the installation's own wallet
 *   credentials in the web app (every organisation's passes fall back to them). Muster had no
 *   installation-wide role: an owner owns one organisation. The narrowest sensible holder is the
 *   account made by the first-run set-up (whoever installed Muster); on an existing database,
 *   the earliest owner. The CLI (`muster admins installation-owner`) moves it.
 * - `organisations.card_ready_email`: email "your card is ready" to each person on a finished
 *   print batch (off by default: an organisation opts in).
 * - `wallet_branding.logo_png`: the organisation's logo image (PNG, base64, 2x size), which an
 *   Apple pass carries in its bundle as logo.png/logo@2x.png (Apple Wallet fetches nothing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('admins').addColumn('installation_owner', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`UPDATE admins SET installation_owner = 1 WHERE id = (
    SELECT id FROM admins WHERE role = 'owner' ORDER BY created_at, id LIMIT 1)`.execute(db);
  await db.schema.alterTable('wallet_branding').addColumn('logo_png', 'text').execute();
  await db.schema.alterTable('organisations').addColumn('card_ready_email', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
