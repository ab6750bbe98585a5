import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database } from './schema.js';

export type AdminRole = 'owner' | 'admin' | 'viewer';
export type AdminRow = Selectable<Database['admins']>;
export type AdminSessionRow = Selectable<Database['admin_sessions']>;

/** Admin accounts of the web app and their server-side sessions (looked up by the hash of the cookie). */
export class AdminsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async count(): Promise<number> {
    const r = await this.db.selectFrom('admins').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insert(row: Insertable<Database['admins']>): Promise<void> {
    await this.db.insertInto('admins').values(row).execute();
  }

  async byEmail(email: string): Promise<AdminRow | undefined> {
    return this.db.selectFrom('admins').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /** The account a person at an identity provider signs in to (OpenID Connect `iss` and `sub`). */
  async bySubject(issuer: string, subject: string): Promise<AdminRow | undefined> {
    return this.db.selectFrom('admins').selectAll().where('sso_issuer', '=', issuer).where('sso_subject', '=', subject).executeTakeFirst();
  }

  /**
   * Records who at the identity provider signs in to the account, unless it is already bound to a
   * person of this provider and client (then only that person signs in to it); false when it was
   * (a sign-in that raced this one) or the account is gone.
   */
  async linkSubject(id: string, issuer: string, clientId: string, subject: string): Promise<boolean> {
    const r = await this.db.updateTable('admins').set({ sso_issuer: issuer, sso_client_id: clientId, sso_subject: subject }).where('id', '=', id)
      .where((eb) => eb.or([eb('sso_subject', 'is', null), eb('sso_issuer', 'is', null), eb('sso_issuer', '<>', issuer), eb('sso_client_id', 'is', null), eb('sso_client_id', '<>', clientId)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** A new address for the account, from its identity provider; false when the account is gone. */
  async setEmail(id: string, email: string): Promise<boolean> {
    const r = await this.db.updateTable('admins').set({ email }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async byId(id: string): Promise<AdminRow | undefined> {
    return this.db.selectFrom('admins').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async forOrg(orgId: string): Promise<AdminRow[]> {
    return this.db.selectFrom('admins').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
  }

  /**
   * In a transaction: holds the organisation's row until it ends, so that changes checked against
   * the organisation's accounts (its last owner) run one after another. On PostgreSQL two
   * demotions of two owners would otherwise each count two owners and leave none; SQLite runs
   * write transactions one at a time anyway. An UPDATE that changes nothing takes the row lock on
   * both engines.
   */
  async lockOrganisation(orgId: string): Promise<void> {
    await this.db.updateTable('organisations').set((eb) => ({ name: eb.ref('name') })).where('id', '=', orgId).execute();
  }

  async countOwners(orgId: string): Promise<number> {
    const r = await this.db.selectFrom('admins').where('org_id', '=', orgId).where('role', '=', 'owner')
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Whether some owner account holds the installation's ownership (migration 024). */
  async hasInstallationOwner(): Promise<boolean> {
    const r = await this.db.selectFrom('admins').select('id').where('installation_owner', '=', 1).where('role', '=', 'owner').executeTakeFirst();
    return r !== undefined;
  }

  /** Makes one account the installation's owner, and no other (one statement: never two at once). */
  async setInstallationOwner(id: string): Promise<void> {
    await this.db.updateTable('admins').set({ installation_owner: sql<number>`CASE WHEN id = ${id} THEN 1 ELSE 0 END` }).execute();
  }

  async setRole(id: string, role: AdminRole): Promise<void> {
    await this.db.updateTable('admins').set({ role }).where('id', '=', id).execute();
  }

  async setPassword(id: string, hash: string): Promise<void> {
    await this.db.updateTable('admins').set({ password_hash: hash, failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('admin_id', '=', id).execute();
    await this.db.deleteFrom('admins').where('id', '=', id).execute();
  }

  async signedIn(id: string, now: string): Promise<void> {
    await this.db.updateTable('admins').set({ last_sign_in_at: now, failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
  }

  /** Until when a break-glass password opens an owner's account while passwords are off; null ends it. */
  async setBreakGlass(id: string, until: string | null): Promise<void> {
    await this.db.updateTable('admins').set({ break_glass_until: until }).where('id', '=', id).execute();
  }

  /** Lifts a lock and forgets failed sign-ins (muster admins unlock). */
  async unlock(id: string): Promise<void> {
    await this.db.updateTable('admins').set({ locked_until: null, failed_attempts: 0 }).where('id', '=', id).execute();
  }

  /** Claims a once-only event; false when it was claimed before (by this or a racing transaction). */
  async claimSingleton(name: string, now: string): Promise<boolean> {
    const r = await this.db.insertInto('singletons').values({ name, created_at: now }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  // ---- sessions

  async insertSession(row: Insertable<Database['admin_sessions']>): Promise<void> {
    await this.db.insertInto('admin_sessions').values(row).execute();
  }

  async session(idHash: string): Promise<AdminSessionRow | undefined> {
    return this.db.selectFrom('admin_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  }

  async touchSession(idHash: string, now: string, expiresAt: string): Promise<void> {
    await this.db.updateTable('admin_sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOf(adminId: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('admin_id', '=', adminId).execute();
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const r = await this.db.deleteFrom('admin_sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // ---- the organisation's security log

  async logSecurity(row: Insertable<Database['security_events']>): Promise<void> {
    await this.db.insertInto('security_events').values(row).execute();
  }

  /** Newest first; `before` is the id of the last event of the previous page. */
  async securityEvents(orgId: string, limit: number, before?: number) {
    let q = this.db.selectFrom('security_events').selectAll().where('org_id', '=', orgId);
    if (before !== undefined) q = q.where('id', '<', before);
    return q.orderBy('id', 'desc').limit(limit).execute();
  }

  async purgeSecurityEvents(before: string): Promise<number> {
    const r = await this.db.deleteFrom('security_events').where('time', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
