import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export type CredentialKind = 'card' | 'apple_pass' | 'google_pass';
export type CredentialStatus = 'valid' | 'suspended' | 'revoked';
export type CredentialRow = Selectable<Database['credentials']>;

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

  async forPerson(personId: string): Promise<CredentialRow[]> {
    return this.db.selectFrom('credentials').selectAll().where('person_id', '=', personId).orderBy('created_at', 'desc').execute();
  }

  async setStatus(id: string, status: string, reason: string | null, now: string): Promise<void> {
    await this.db.updateTable('credentials').set({ status, status_reason: reason, updated_at: now }).where('id', '=', id).execute();
  }

  async logVerification(row: Insertable<Database['credential_verifications']>): Promise<void> {
    await this.db.insertInto('credential_verifications').values(row).execute();
  }

  async verifications(credentialId: string, limit: number) {
    return this.db.selectFrom('credential_verifications').selectAll().where('credential_id', '=', credentialId).orderBy('id', 'desc').limit(limit).execute();
  }
}
