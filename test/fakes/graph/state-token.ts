// Delta and paging state tokens. Graph documents them as opaque and says they encode the
// initial request's query parameters ($select, $filter) so later requests need only the link
// (delta-query-overview, "State tokens"). Here: base64url JSON plus an HMAC, so a client that
// edits or invents a token gets 400 rather than silently wrong data.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'users' | 'groups' | 'groups-list';

export interface StateToken {
  readonly kind: TokenKind;
  /** Which link carried it: a $skiptoken (nextLink) or a $deltatoken (deltaLink). */
  readonly link: 'next' | 'delta';
  /** $select as given (lower-cased property names are matched case-insensitively). */
  readonly select: readonly string[] | null;
  /** Scoping filter ids for delta; the raw $filter for the group list. */
  readonly filter: readonly string[] | string | null;
  /** Change-log position the round's deltaLink will carry (or, in a deltaLink, its position). */
  readonly position: number;
  /** For a change round, the position it started from; null in a first (full) round. */
  readonly since: number | null;
  /** Paging cursor: first-round creation index or change-list index. */
  readonly offset: number;
  /** Within a group spanning pages, how far into its member list the previous page got. */
  readonly memberOffset: number;
  /** expireDeltaTokens() bumps the epoch; tokens of an older epoch answer with a resync. */
  readonly epoch: number;
  /** Extra state for the group picker list ($search, $top, $orderby, $count). */
  readonly search?: string | null;
  readonly top?: number;
  readonly orderby?: boolean;
  readonly count?: boolean;
}

export class StateTokens {
  private readonly key = randomBytes(32);

  encode(token: StateToken): string {
    const body = Buffer.from(JSON.stringify(token)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** Returns null for anything this emulator did not issue unchanged. */
  decode(raw: string, kind: TokenKind, link: StateToken['link']): StateToken | null {
    const [body, mac, extra] = raw.split('.');
    if (!body || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const token = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StateToken;
      return token.kind === kind && token.link === link ? token : null;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }
}
