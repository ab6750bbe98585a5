import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { Prepared } from './prepared.js';

export interface TokenInfo {
  readonly id: string;
  /** The IdP this token's requests were last identified as by strong evidence. */
  readonly idp: string | null;
  readonly listId: string;
  readonly label: string;
  readonly hint: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

type Row = Selectable<Database['tokens']>;
const toInfo = (r: Row): TokenInfo => ({
  id: r.id, idp: r.idp, listId: r.list_id, label: r.label, hint: r.hint, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
});

/** Every SCIM request looks its token up: compiled once (src/store/prepared.ts). */
const ACTIVE_BY_HASH = new Prepared<{ hash: string }, Row>(['hash'], (db, p) => db.selectFrom('tokens').selectAll()
  .where('secret_hash', '=', p.hash).where('revoked_at', 'is', null));

/** Bearer tokens of master lists. Only the SHA-256 of a secret is ever stored. */
export class TokensRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Omit<Insertable<Database['tokens']>, 'last_used_at' | 'revoked_at' | 'idp'>): Promise<TokenInfo> {
    const full: Row = { ...row, last_used_at: null, revoked_at: null, idp: null };
    await this.db.insertInto('tokens').values(full).execute();
    return toInfo(full);
  }

  async forList(listId: string): Promise<TokenInfo[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().where('list_id', '=', listId).orderBy('created_at').execute();
    return rows.map(toInfo);
  }

  /** The active token with this secret hash; the caller re-checks the hash in constant time. */
  async findActiveByHash(secretHash: string): Promise<(TokenInfo & { readonly secretHash: string }) | undefined> {
    const r = await ACTIVE_BY_HASH.first(this.db, { hash: secretHash });
    return r ? { ...toInfo(r), secretHash: r.secret_hash } : undefined;
  }

  async revoke(listId: string, id: string, now: string): Promise<boolean> {
    const res = await this.db.updateTable('tokens').set({ revoked_at: now })
      .where('list_id', '=', listId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Records a use; true when this was the token's first use ever (exactly one caller sees true). */
  async touch(id: string, now: string): Promise<boolean> {
    const first = await this.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', id).where('last_used_at', 'is', null).executeTakeFirst();
    if (Number(first.numUpdatedRows) > 0) return true;
    await this.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', id).execute();
    return false;
  }

  async setIdp(id: string, idp: string): Promise<void> {
    await this.db.updateTable('tokens').set({ idp }).where('id', '=', id).execute();
  }
}
