/**
 * RFC 9865 cursors: opaque, bound to one list, one resource type and one query, tamper-evident
 * and dated. A cursor is `<payload>.<mac>`, both base64url (only RFC 3986 §2.3 unreserved
 * characters, as RFC 9865 §2 requires of a cursor value), the MAC an HMAC-SHA256 under the
 * installation's paging key (migration 027), so a cursor issued by one node is accepted by another.
 * The payload holds the keyset position (sort key and seq) a page continues from: Muster keeps no
 * state per cursor, so a cursor costs nothing to issue, and its timeout only bounds how long a
 * client may pause between pages (RFC 9865 §4, cursorTimeout).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ScimError } from '../scim/errors.js';
import type { ResourceTypeId } from '../scim/schemas/index.js';
import type { KeysetPosition } from '../store/index.js';

/** Which way a cursor continues: to the next page, or back to the previous one. */
export type CursorDirection = 'next' | 'previous';

export interface CursorState {
  readonly listId: string;
  readonly rt: ResourceTypeId;
  /** Hash of the query (filter, sortBy, sortOrder) the cursor belongs to. */
  readonly query: string;
  readonly direction: CursorDirection;
  /** Where the page starts (exclusive); absent: from the start of the list. */
  readonly position: KeysetPosition | undefined;
  /** Unix seconds when the cursor was issued. */
  readonly issued: number;
}

/** Longer than any cursor Muster issues (a sort key is at most a stored attribute value); checked before any parsing. */
const MAX_CURSOR_CHARS = 8192;
const MAC_BYTES = 16;

export const invalidCursor = (detail: string): ScimError => new ScimError(400, 'invalidCursor', detail);
export const expiredCursor = (detail: string): ScimError => new ScimError(400, 'expiredCursor', detail);

/** The query a cursor is bound to: the same filter, sortBy and sortOrder must come with it. */
export function queryHash(filter: string | undefined, sortBy: string | undefined, sortOrder: string | undefined): string {
  const canonical = JSON.stringify([filter?.trim() ?? '', sortBy?.trim().toLowerCase() ?? '', sortOrder?.trim().toLowerCase() || 'ascending']);
  return createHash('sha256').update(canonical, 'utf8').digest('base64url').slice(0, 16);
}

export class CursorCodec {
  private readonly key: Buffer;

  constructor(keyBase64url: string, private readonly timeoutS: number) {
    this.key = Buffer.from(keyBase64url, 'base64url');
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload, 'utf8').digest().subarray(0, MAC_BYTES);
  }

  encode(s: CursorState): string {
    const p = s.position;
    const body = { v: 1, l: s.listId, r: s.rt === 'User' ? 'U' : 'G', q: s.query, d: s.direction === 'next' ? 'n' : 'p', t: s.issued,
      ...(p ? { s: p.seq, ...(p.key !== undefined ? { k: p.key } : {}) } : {}) };
    const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /**
   * The state of a cursor this installation issued for this list, resource type and query, or
   * a ScimError: invalidCursor when it is not one (malformed, tampered with, or from another
   * list, endpoint or query), expiredCursor when it is older than the timeout (RFC 9865 §2.2).
   */
  decode(cursor: string, expect: { listId: string; rt: ResourceTypeId; query: string; now: number }): CursorState {
    const bad = () => invalidCursor('the cursor is not valid here: send an empty cursor for the first page, then the nextCursor or previousCursor of the previous response, with the same filter, sortBy and sortOrder (RFC 9865 §2)');
    if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
    const [payload, mac] = cursor.split('.') as [string, string];
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(payload))) throw bad();
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw bad();
    }
    // The MAC proves Muster wrote it; the checks below keep an old format or a bug from paging wrongly.
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad();
    const b = body as Record<string, unknown>;
    if (b.v !== 1 || typeof b.l !== 'string' || (b.r !== 'U' && b.r !== 'G') || typeof b.q !== 'string' || (b.d !== 'n' && b.d !== 'p') || typeof b.t !== 'number') throw bad();
    const rt: ResourceTypeId = b.r === 'U' ? 'User' : 'Group';
    if (b.l !== expect.listId || rt !== expect.rt || b.q !== expect.query) throw bad();
    let position: KeysetPosition | undefined;
    if (Object.hasOwn(b, 's')) {
      if (typeof b.s !== 'number' || !Number.isSafeInteger(b.s)) throw bad();
      const k = b.k;
      if (k !== undefined && k !== null && typeof k !== 'string' && typeof k !== 'number') throw bad();
      position = k === undefined ? { seq: b.s } : { seq: b.s, key: k };
    }
    if (expect.now - b.t > this.timeoutS) throw expiredCursor(`the cursor has expired: request the next page within ${this.timeoutS} seconds of the previous one (cursorTimeout in /ServiceProviderConfig), or start again with an empty cursor (RFC 9865 §2.2)`);
    return { listId: b.l, rt, query: b.q, direction: b.d === 'n' ? 'next' : 'previous', position, issued: b.t };
  }
}
