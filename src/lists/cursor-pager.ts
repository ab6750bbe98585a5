/**
 * Cursor paging of Users and Groups (RFC 9865): keyset pages in the order (sortBy value, nulls
 * last; seq), or seq alone without sortBy, each an index range read from the position the cursor
 * names, so a page a million rows deep costs what the first page costs. A record that exists
 * from the first page to the last is returned exactly once, whatever is created or deleted
 * meanwhile, as long as its sortBy value does not change (without sortBy the order is the
 * immutable insertion sequence, so this always holds).
 */
import { ScimError } from '../scim/errors.js';
import type { ResourceTypeId } from '../scim/schemas/index.js';
import type { CallerGone, KeysetPosition, SqlExpression, Store, UserRecord, GroupRecord } from '../store/index.js';
import { CursorCodec, queryHash, type CursorDirection } from './cursor-codec.js';

/** How long a client may wait between two pages (RFC 9865 §4, cursorTimeout), in seconds. */
export const CURSOR_TIMEOUT_S = 3600;

/**
 * sortBy paths whose column is NOT NULL: their keyset uses a row-value comparison the
 * (list_id, column) index answers. Every other sort key may be null and sorts last.
 */
const NOT_NULL_SORT: Readonly<Record<ResourceTypeId, ReadonlySet<string>>> = {
  User: new Set(['id', 'username', 'meta.created', 'meta.lastmodified', 'active']),
  Group: new Set(['id', 'displayname', 'meta.created', 'meta.lastmodified']),
};

export interface CursorPageRequest {
  readonly listId: string;
  readonly rt: ResourceTypeId;
  /** The `cursor` parameter: empty for the first page. */
  readonly cursor: string;
  readonly count: number | undefined;
  readonly filter: string | undefined;
  readonly sortBy: string | undefined;
  readonly sortOrder: string | undefined;
  readonly descending: boolean;
  readonly where: SqlExpression | undefined;
  readonly orderBy: SqlExpression | undefined;
  /** The filter or order reads the whole list (readsWholeList): it runs in the lane of such reads (store/scan-pool.ts). */
  readonly scan?: boolean;
  /** Whether the client has left (store/scan-pool.ts, ScanPool.rows). */
  readonly gone?: CallerGone | undefined;
}

export interface CursorPage {
  readonly records: readonly (UserRecord | GroupRecord)[];
  readonly nextCursor: string | undefined;
  readonly previousCursor: string | undefined;
}

export class CursorPager {
  private codec: Promise<CursorCodec> | undefined;

  constructor(
    private readonly store: Store,
    private readonly limits: { readonly defaultPageSize: number; readonly maxPageSize: number; readonly cursorTimeoutS?: number },
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get timeoutS(): number {
    return this.limits.cursorTimeoutS ?? CURSOR_TIMEOUT_S;
  }

  /** What /ServiceProviderConfig advertises under `pagination` (RFC 9865 §4). */
  get advertised(): { defaultPageSize: number; maxPageSize: number; cursorTimeout: number } {
    return { defaultPageSize: this.limits.defaultPageSize, maxPageSize: this.limits.maxPageSize, cursorTimeout: this.timeoutS };
  }

  private codecOnce(): Promise<CursorCodec> {
    // Read once per process: the key is written by migration 027 and never changes.
    this.codec ??= this.store.paging.cursorKey().then((k) => new CursorCodec(k, this.timeoutS)).catch((err: unknown) => {
      this.codec = undefined;
      throw err;
    });
    return this.codec;
  }

  /** The page size: RFC 9865 §2.2 invalidCount below 0; above maxPageSize, maxPageSize (RFC 7644 §3.4.2.4 lets a provider return fewer). */
  private pageSize(count: number | undefined): number {
    if (count === undefined) return this.limits.defaultPageSize;
    if (!Number.isInteger(count) || count < 0) throw new ScimError(400, 'invalidCount', `count must be an integer from 0 to ${this.limits.maxPageSize} (RFC 9865 §2.2), got ${count}`);
    return Math.min(count, this.limits.maxPageSize);
  }

  async page(r: CursorPageRequest): Promise<CursorPage> {
    const size = this.pageSize(r.count);
    const codec = await this.codecOnce();
    const query = queryHash(r.filter, r.sortBy, r.sortOrder);
    const now = this.nowS();
    const state = r.cursor === '' ? undefined : codec.decode(r.cursor, { listId: r.listId, rt: r.rt, query, now });
    const direction: CursorDirection = state?.direction ?? 'next';
    const after = state?.position;
    const sortKey = r.sortBy?.trim().toLowerCase();
    const orderBy = r.orderBy ? { expr: r.orderBy, nullable: !NOT_NULL_SORT[r.rt].has(sortKey ?? '') } : undefined;
    // A previous page is the rows before the cursor's position, read backwards and turned round.
    const backwards = direction === 'previous';
    const q = { listId: r.listId, where: r.where, orderBy, descending: r.descending !== backwards, after, limit: size + 1, scan: r.scan ?? false, gone: r.gone };
    const rows = r.rt === 'User' ? await this.store.users.keyset(q) : await this.store.groups.keyset(q);
    const more = rows.length > size;
    const page = rows.slice(0, size);
    if (backwards) page.reverse();
    const first = page[0]?.position ?? after;
    const last = page.at(-1)?.position ?? after;
    // A previous cursor was issued from the first row of a page, so rows follow it; a next cursor from the last row of one, so rows precede it.
    const hasAfter = backwards ? true : more;
    const hasBefore = backwards ? more : state !== undefined;
    const encode = (d: CursorDirection, p: KeysetPosition | undefined) => codec.encode({ listId: r.listId, rt: r.rt, query, direction: d, position: p, issued: now });
    return {
      records: page.map((x) => x.record),
      nextCursor: hasAfter && (last !== undefined || size === 0) ? encode('next', last) : undefined,
      previousCursor: hasBefore && first !== undefined ? encode('previous', first) : undefined,
    };
  }
}
