import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export type OidcConnectionRow = Selectable<Database['oidc_connections']>;
export type OidcLoginRow = Selectable<Database['oidc_logins']>;

/** Organisations' OpenID Connect connections, the email domains that lead to them, and sign-ins under way. */
export class OidcRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(orgId: string): Promise<OidcConnectionRow | undefined> {
    return this.db.selectFrom('oidc_connections').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  /** Creates or replaces the organisation's connection and its domains (call in a transaction). */
  async put(row: Insertable<Database['oidc_connections']>, domains: readonly string[]): Promise<void> {
    const { org_id: _o, created_at: _c, ...update } = row;
    await this.db.insertInto('oidc_connections').values(row).onConflict((oc) => oc.column('org_id').doUpdateSet(update)).execute();
    await this.db.deleteFrom('oidc_domains').where('org_id', '=', row.org_id).execute();
    if (domains.length) await this.db.insertInto('oidc_domains').values(domains.map((domain) => ({ domain, org_id: row.org_id }))).execute();
  }

  async remove(orgId: string): Promise<boolean> {
    await this.db.deleteFrom('oidc_domains').where('org_id', '=', orgId).execute();
    await this.db.deleteFrom('oidc_logins').where('org_id', '=', orgId).execute();
    const r = await this.db.deleteFrom('oidc_connections').where('org_id', '=', orgId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The organisations that claim any of these domains (to refuse a domain another organisation has). */
  async domainOwners(domains: readonly string[]): Promise<{ domain: string; org_id: string }[]> {
    if (!domains.length) return [];
    return this.db.selectFrom('oidc_domains').selectAll().where('domain', 'in', domains).execute();
  }

  async orgForDomain(domain: string): Promise<string | undefined> {
    return (await this.db.selectFrom('oidc_domains').select('org_id').where('domain', '=', domain).executeTakeFirst())?.org_id;
  }

  // ---- sign-ins under way

  async insertLogin(row: Insertable<Database['oidc_logins']>): Promise<void> {
    await this.db.insertInto('oidc_logins').values(row).execute();
  }

  /**
   * Takes the sign-in with this state, once: the row is deleted by the same statement that reads
   * it, so two callbacks racing with one state cannot both find it (DELETE … RETURNING, on both
   * engines).
   */
  async takeLogin(stateHash: string): Promise<OidcLoginRow | undefined> {
    return this.db.deleteFrom('oidc_logins').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
  }

  /** The organisation of a sign-in this browser started (to log a refused callback where it belongs). */
  async loginOfBrowser(browserHash: string): Promise<OidcLoginRow | undefined> {
    return this.db.selectFrom('oidc_logins').selectAll().where('browser_hash', '=', browserHash).executeTakeFirst();
  }

  async deleteExpiredLogins(now: string): Promise<number> {
    const r = await this.db.deleteFrom('oidc_logins').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
