import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { Prepared } from './prepared.js';
import { toList, type MasterList } from './lists-repo.js';

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

type WithList = Row & {
  list_id_: string; list_org_id: string; list_name: string; list_uid_attribute: string; list_sync_method: string; list_strict: number;
  list_external_id_unique: number; list_mapping_version: number; list_created_at: string; list_updated_at: string;
  list_group_count: number | string | null;
};
/**
 * Every SCIM request looks up its token and the token's list: one statement, compiled once
 * (src/store/prepared.ts). On SQLite each statement outside a transaction is a read transaction
 * of its own (two file locks and a stat, about 10 µs here before a row is read: bench/RESULTS.md,
 * "What a statement costs"), so two look-ups cost more than one join.
 */
const ACTIVE_WITH_LIST = new Prepared<{ hash: string }, WithList>(['hash'], (db, p) => db.selectFrom('tokens')
  .innerJoin('lists', 'lists.id', 'tokens.list_id').leftJoin('list_counts', 'list_counts.list_id', 'tokens.list_id').selectAll('tokens')
  .select('list_counts.group_count as list_group_count')
  .select(['lists.id as list_id_', 'lists.org_id as list_org_id', 'lists.name as list_name', 'lists.uid_attribute as list_uid_attribute',
    'lists.sync_method as list_sync_method', 'lists.strict as list_strict', 'lists.external_id_unique as list_external_id_unique',
    'lists.mapping_version as list_mapping_version', 'lists.created_at as list_created_at', 'lists.updated_at as list_updated_at'])
  .where('tokens.secret_hash', '=', p.hash).where('tokens.revoked_at', 'is', null));

/**
 * The columns a token's look-up reads, by table, apart from a use's time (`last_used_at`, written
 * once a minute and read only to see whether a use is the first). While none of them changes, a
 * look-up's answer stays right (TableWatch).
 */
export const TOKEN_LOOKUP_READS: Readonly<Record<'tokens' | 'lists' | 'list_counts', readonly string[]>> = {
  tokens: ['id', 'list_id', 'label', 'hint', 'secret_hash', 'created_at', 'revoked_at', 'idp'] satisfies readonly (keyof Row)[],
  lists: ['id', 'org_id', 'name', 'uid_attribute', 'sync_method', 'strict', 'external_id_unique', 'mapping_version', 'created_at', 'updated_at'] satisfies readonly (keyof Database['lists'])[],
  // Whether the list holds any group (a group created or deleted moves it; a person's count does not).
  list_counts: ['group_count'] satisfies readonly (keyof Database['list_counts'])[],
};

type Found = {
  readonly token: TokenInfo & { readonly secretHash: string };
  readonly list: MasterList;
  /** False when the list held no group at the look-up (its people then belong to none); true when it held some, or its count was not found. */
  readonly listHasGroups: boolean;
};

/** Look-ups kept at most; past that the kept ones are dropped and kept again as they come. */
const KEPT = 1_000;

/**
 * Token look-ups kept while the rows they read stay as they were (`epoch`, sqlite/table-watch.ts):
 * a revocation, a list switched to Entra sync or to strict, a mapping changed, in this process or
 * by the `muster` command, reach the next request. Only tokens found are kept: an unknown one is
 * looked up each time.
 */
class KeptLookups {
  private readonly kept = new Map<string, Found>();
  private keptAt = -1;

  constructor(private readonly epoch: () => number) {}

  /** The epoch now; a look-up read after it is kept under it (`keep`). */
  now(): number {
    const e = this.epoch();
    if (e !== this.keptAt) {
      this.kept.clear();
      this.keptAt = e;
    }
    return e;
  }

  get(hash: string): Found | undefined {
    return this.kept.get(hash);
  }

  keep(hash: string, found: Found, readAt: number): void {
    // Changed while it was read: not kept.
    if (readAt !== this.keptAt || this.epoch() !== readAt) return;
    if (this.kept.size >= KEPT) this.kept.clear();
    this.kept.set(hash, found);
  }
}

/** Bearer tokens of master lists. Only the SHA-256 of a secret is ever stored. */
export class TokensRepo {
  private readonly lookups: KeptLookups | undefined;

  /** `epoch`: when given, look-ups are kept while it stays the same (TOKEN_LOOKUP_READS). */
  constructor(private readonly db: Kysely<Database>, epoch?: () => number) {
    this.lookups = epoch ? new KeptLookups(epoch) : undefined;
  }

  async insert(row: Omit<Insertable<Database['tokens']>, 'last_used_at' | 'revoked_at' | 'idp'>): Promise<TokenInfo> {
    const full: Row = { ...row, last_used_at: null, revoked_at: null, idp: null };
    await this.db.insertInto('tokens').values(full).execute();
    return toInfo(full);
  }

  async forList(listId: string): Promise<TokenInfo[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().where('list_id', '=', listId).orderBy('created_at').execute();
    return rows.map(toInfo);
  }

  /** The active token with this secret hash and its list (the caller re-checks the hash in constant time). */
  async findActiveWithList(secretHash: string): Promise<Found | undefined> {
    const readAt = this.lookups?.now();
    const kept = this.lookups?.get(secretHash);
    if (kept) return kept;
    const r = await ACTIVE_WITH_LIST.first(this.db, { hash: secretHash });
    if (!r) return undefined;
    const list = Object.freeze(toList({
      id: r.list_id_, org_id: r.list_org_id, name: r.list_name, uid_attribute: r.list_uid_attribute, sync_method: r.list_sync_method, strict: r.list_strict,
      external_id_unique: r.list_external_id_unique, mapping_version: r.list_mapping_version, created_at: r.list_created_at, updated_at: r.list_updated_at,
    }));
    const found: Found = Object.freeze({ token: Object.freeze({ ...toInfo(r), secretHash: r.secret_hash }), list, listHasGroups: r.list_group_count === null || Number(r.list_group_count) > 0 });
    if (readAt !== undefined) this.lookups!.keep(secretHash, found, readAt);
    return found;
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
