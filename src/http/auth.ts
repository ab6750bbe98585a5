import { ScimError } from '../scim/errors.js';
import { databaseUnavailable } from '../store/unavailable.js';
import { hashSecret, sameHash } from '../secrets/tokens.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { MasterList, Store, TokenInfo } from '../store/index.js';

const TOUCH_EVERY_MS = 60_000;

/**
 * Bearer-token authentication for a list's SCIM endpoints (RFC 6750). A token belongs to one
 * list: presented anywhere else it is simply not valid, and the answer is the same 401 as for
 * an unknown token, so a caller learns nothing about other lists.
 */
export class TokenAuth {
  private readonly touched = new Map<string, number>();
  /** Tokens whose first use this process recorded (a kept look-up still says they were never used). */
  private readonly firstUseRecorded = new Set<string>();

  private readonly now: () => Date;
  private readonly onTouchError: (err: unknown) => void;

  /**
   * `now`: the clock a token's last use is written by (tests freeze it). `onTouchError`: told when a
   * token's last-use time could not be written for another reason than the database being unavailable.
   */
  constructor(private readonly store: Store, private readonly audit: AuditTrail, opts: { readonly now?: () => Date; readonly onTouchError?: (err: unknown) => void } = {}) {
    this.now = opts.now ?? (() => new Date());
    this.onTouchError = opts.onTouchError ?? (() => undefined);
  }

  /** `listHasGroups`: false when the list held no group as the token was checked (ScimCtx.listHasGroups). */
  async authenticate(authorization: string | undefined, listId: string): Promise<{ token: TokenInfo; list: MasterList; listHasGroups: boolean }> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw new ScimError(401, undefined, 'send "Authorization: Bearer <token>" with a token of this list');
    const secret = m[1]!;
    const hash = hashSecret(secret);
    const found = await this.store.tokens.findActiveWithList(hash);
    if (!found || !sameHash(found.token.secretHash, hash) || found.token.listId !== listId) {
      throw new ScimError(401, undefined, 'the bearer token is not valid for this list (unknown, revoked, or issued for another list)');
    }
    const { token, list, listHasGroups } = found;
    // A token of this list, but the list is not provisioned by SCIM (its tokens are revoked when
    // SCIM is turned off and none are issued otherwise; this holds even for one that slipped
    // through). 403: the credentials are valid, the operation is not permitted (RFC 7644 §3.12).
    if (list.syncMethod === 'entra') {
      throw new ScimError(403, undefined, 'this list is synced from Entra ID (Microsoft Graph pull sync), not SCIM: SCIM requests are refused; its people come from Entra ID');
    }
    if (list.syncMethod !== 'scim') throw new ScimError(403, undefined, 'this list does not use SCIM (its sync method is none): SCIM requests are refused');
    const t = this.now().getTime();
    if ((this.touched.get(token.id) ?? 0) + TOUCH_EVERY_MS < t) {
      this.touched.set(token.id, t);
      const now = this.now().toISOString();
      if (token.lastUsedAt === null && !this.firstUseRecorded.has(token.id)) {
        await this.store.transaction(async (tx) => {
          if (await tx.tokens.touch(token.id, now)) {
            await this.audit.record(tx, listId, { action: 'token.first_used', target: { type: 'token', id: token.id, name: token.label } },
              { actor: 'scim', tokenId: token.id, tokenLabel: token.label });
          }
        });
        this.firstUseRecorded.add(token.id);
      } else {
        // When the token was last used is for the admins, not for this request, which does not
        // wait for it: while another process holds SQLite's write lock the write waits up to 5 s
        // (src/store/sqlite/write-lock.ts), and a read must not. One the database could not take
        // is written again a minute later; any other failure is reported to `onTouchError`.
        void this.store.tokens.touch(token.id, now).catch((err: unknown) => {
          if (!databaseUnavailable(err)) this.onTouchError(err);
        });
      }
    }
    return { token, list, listHasGroups };
  }

  /** Remembers the IdP a token's requests were identified as, for later requests with weaker evidence. */
  async rememberIdp(token: TokenInfo, idp: string): Promise<void> {
    if (token.idp !== idp) await this.store.tokens.setIdp(token.id, idp);
  }
}
