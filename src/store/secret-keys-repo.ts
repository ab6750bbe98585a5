import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Every column that holds a value sealed with the installation's secret key (SecretBox), with the
 * key of its table. `muster secrets rotate` re-encrypts exactly these: a new sealed column must be
 * added here, or rotation leaves it under the old key.
 */
export const SEALED_COLUMNS = [
  { table: 'entra_connections', key: 'list_id', column: 'secret_enc', what: 'Entra ID client secrets' },
  { table: 'apple_wallet_settings', key: 'org_id', column: 'signing_enc', what: 'Apple Wallet pass certificates and keys' },
  { table: 'apple_passes', key: 'credential_id', column: 'auth_token_enc', what: 'Apple Wallet pass authentication tokens' },
  { table: 'google_wallet_settings', key: 'org_id', column: 'key_enc', what: 'Google Wallet service account keys' },
  { table: 'installation_apple_wallet', key: 'org_id', column: 'signing_enc', what: "the installation's Apple Wallet pass certificate and key" },
  { table: 'installation_google_wallet', key: 'org_id', column: 'key_enc', what: "the installation's Google Wallet service account key" },
  { table: 'webhook_secrets', key: 'id', column: 'secret_enc', what: 'webhook signing secrets' },
  { table: 'oidc_connections', key: 'org_id', column: 'client_secret_enc', what: 'OpenID Connect client secrets' },
] as const;

export type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** The key's fingerprint, and the sealed values `muster secrets rotate` walks. */
export class SecretKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async fingerprint(): Promise<string | undefined> {
    return (await this.db.selectFrom('secret_key_fingerprints').select('fingerprint').where('id', '=', 'current').executeTakeFirst())?.fingerprint;
  }

  /** Records the first key's fingerprint; answers the fingerprint stored (another node's, when it won the race). */
  async recordFirst(fingerprint: string, now: string): Promise<string> {
    await this.db.insertInto('secret_key_fingerprints').values({ id: 'current', fingerprint, created_at: now, rotated_at: null })
      .onConflict((oc) => oc.column('id').doNothing()).execute();
    return (await this.fingerprint())!;
  }

  async rotated(fingerprint: string, now: string): Promise<void> {
    await this.db.insertInto('secret_key_fingerprints').values({ id: 'current', fingerprint, created_at: now, rotated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ fingerprint, rotated_at: now })).execute();
  }

  /** Up to `limit` sealed values of a column, by key after `after`. */
  async sealedAfter(c: SealedColumn, after: string, limit: number): Promise<{ id: string; value: string }[]> {
    const r = await sql<{ id: string; value: string }>`SELECT ${sql.ref(c.key)} AS id, ${sql.ref(c.column)} AS value FROM ${sql.table(c.table)}
      WHERE ${sql.ref(c.key)} > ${after} ORDER BY ${sql.ref(c.key)} LIMIT ${limit}`.execute(this.db);
    return r.rows;
  }

  /** Any one sealed value, to check a key against before its fingerprint is first recorded. */
  async anySealed(): Promise<{ what: string; value: string } | undefined> {
    for (const c of SEALED_COLUMNS) {
      const [row] = await this.sealedAfter(c, '', 1);
      if (row) return { what: c.what, value: row.value };
    }
    return undefined;
  }

  /** Replaces a sealed value only if it is still `before` (a concurrent write wins); true when replaced. */
  async replaceSealed(c: SealedColumn, id: string, before: string, after: string): Promise<boolean> {
    const r = await sql`UPDATE ${sql.table(c.table)} SET ${sql.ref(c.column)} = ${after} WHERE ${sql.ref(c.key)} = ${id} AND ${sql.ref(c.column)} = ${before}`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) === 1;
  }
}
