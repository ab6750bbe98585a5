import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { Prepared } from './prepared.js';

export type CredentialKind = 'card' | 'apple_pass' | 'google_pass';
export type CredentialStatus = 'valid' | 'suspended' | 'revoked';
export type CredentialRow = Selectable<Database['credentials']>;

/**
 * The kinds of a person's credentials on a list that are not revoked for good: the question every
 * roster change asks (does a wallet pass follow it?), almost always answered by no rows. Prepared,
 * and only the kind read back: it runs once per person update (issue 16).
 */
const LIVE_KINDS = new Prepared<{ personId: string; listId: string }, { kind: string }>(['personId', 'listId'], (db, p) => db.selectFrom('credentials')
  .select('kind').where('person_id', '=', p.personId).where('list_id', '=', p.listId).where('status', '<>', 'revoked'));

/** A person's credentials: read by every deactivation, reactivation and deletion, in its transaction. */
const FOR_PERSON = new Prepared<{ personId: string }, CredentialRow>(['personId'], (db, p) => db.selectFrom('credentials').selectAll()
  .where('person_id', '=', p.personId).orderBy('created_at', 'desc'));

/** Issued credentials and their verifications. */
export class CredentialsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<Database['credentials']>): Promise<void> {
    await this.db.insertInto('credentials').values(row).execute();
  }

  async get(id: string): Promise<CredentialRow | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byCode(code: string): Promise<CredentialRow | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('verify_code', '=', code).executeTakeFirst();
  }

  /** The kinds of this person's credentials on this list that are not revoked (one entry per credential). */
  async liveKinds(listId: string, personId: string): Promise<string[]> {
    return (await LIVE_KINDS.rows(this.db, { personId, listId })).map((r) => r.kind);
  }

  async forPerson(personId: string): Promise<CredentialRow[]> {
    return FOR_PERSON.rows(this.db, { personId });
  }

  /** `before`: what reactivation restores (JSON of status and reason), kept only while revoked by a deactivation. */
  async setStatus(id: string, status: string, reason: string | null, now: string, before: string | null = null): Promise<void> {
    await this.db.updateTable('credentials').set({ status, status_reason: reason, status_before: before, updated_at: now }).where('id', '=', id).execute();
  }

  async logVerification(row: Insertable<Database['credential_verifications']>): Promise<void> {
    await this.db.insertInto('credential_verifications').values(row).execute();
  }

  /** Credentials of a kind in an organisation that are not revoked for good. */
  async countLiveOfKind(orgId: string, kind: string): Promise<number> {
    const r = await this.db.selectFrom('credentials').innerJoin('lists', 'lists.id', 'credentials.list_id')
      .where('lists.org_id', '=', orgId).where('credentials.kind', '=', kind)
      .where((eb) => eb.or([eb('credentials.status', '!=', 'revoked'), eb('credentials.status_reason', '=', 'person deactivated')]))
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Live Apple passes of one pass type, in any organisation: those issued under the installation's
   * certificate, whose updates need a certificate of that pass type (issue 14, item 4).
   */
  async countLiveApplePasses(passTypeIdentifier: string): Promise<number> {
    const r = await this.db.selectFrom('credentials').innerJoin('apple_passes', 'apple_passes.credential_id', 'credentials.id')
      .where('apple_passes.pass_type_identifier', '=', passTypeIdentifier).where('credentials.kind', '=', 'apple_pass')
      .where((eb) => eb.or([eb('credentials.status', '!=', 'revoked'), eb('credentials.status_reason', '=', 'person deactivated')]))
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async purgeVerifications(before: string): Promise<number> {
    const r = await this.db.deleteFrom('credential_verifications').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async verifications(credentialId: string, limit: number) {
    return this.db.selectFrom('credential_verifications').selectAll().where('credential_id', '=', credentialId).orderBy('id', 'desc').limit(limit).execute();
  }
}
