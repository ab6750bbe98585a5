import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Admin sign-in with the organisation's OpenID Connect provider (issue 17, item 1):
 * - `oidc_connections`: one per organisation; the client secret sealed with the installation's
 *   key (SEALED_COLUMNS), allowed email domains and the group-to-role map as JSON text.
 * - `oidc_domains`: which organisation an email domain signs in to (unique across the
 *   installation, so the sign-in page can pick the organisation from the address typed).
 * - `oidc_logins`: one row per sign-in under way (state, nonce, PKCE verifier), keyed by the hash
 *   of the state and bound to the browser by the hash of a cookie; deleted when used, so a state
 *   is good for one callback only (OpenID Connect Core 1.0 §3.1.2.1, RFC 6749 §10.12).
 * - `admins.break_glass_until`: until when an owner whose password `muster admins
 *   reset-password` set may sign in with it although passwords are off for the organisation.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('oidc_connections')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('allowed_domains', 'text', (c) => c.notNull())
    .addColumn('group_claim', 'text')
    .addColumn('group_roles', 'text', (c) => c.notNull())
    .addColumn('default_role', 'text')
    .addColumn('passwords_off', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('oidc_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oidc_domains_org').on('oidc_domains').column('org_id').execute();
  await db.schema.createTable('oidc_logins')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oidc_logins_browser').on('oidc_logins').column('browser_hash').execute();
  await db.schema.alterTable('admins').addColumn('break_glass_until', 'text').execute();
}
