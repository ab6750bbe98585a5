import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { UsageError, type ListsService } from '../lists/lists-service.js';
import { hashSecret, sameHash } from '../secrets/tokens.js';

/**
 * Admin API keys: the admin API's credential until admin accounts and sessions arrive. A key
 * belongs to one organisation and opens only that organisation's lists. Shown once, stored as a
 * SHA-256, prefixed `mst_admin_` for secret scanners. SCIM tokens never open the admin API.
 */
export const ADMIN_KEY_PREFIX = 'mst_admin_';

export interface CreatedAdminKey {
  readonly id: string;
  readonly orgId: string;
  readonly label: string;
  readonly secret: string;
  readonly createdAt: string;
}

export class AdminKeys {
  constructor(private readonly store: Store, readonly audit: AuditTrail, private readonly lists: ListsService) {}

  /**
   * A key for the organisation named (or with this id), or for the only organisation when none is
   * named. An unknown name is refused: a typo must not make a key for a new, empty organisation.
   */
  async create(org: string | undefined, label: string): Promise<CreatedAdminKey> {
    let o;
    if (org) {
      o = await this.store.lists.organisation(org);
      if (!o) throw new UsageError('MUSTER_ORG_NOT_FOUND', `no organisation named or with id "${org}"`);
    } else {
      o = await this.lists.resolveOrganisation();
    }
    const secret = ADMIN_KEY_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    await this.store.adminKeys.insert({
      id, org_id: o.id, label: label.trim() || 'Admin key', hint: secret.slice(0, ADMIN_KEY_PREFIX.length + 4) + '…',
      secret_hash: hashSecret(secret), created_at: createdAt, last_used_at: null, revoked_at: null,
    });
    await this.store.admins.logSecurity({ org_id: o.id, time: createdAt, action: 'admin_key.created', actor: 'cli', target: label, detail: JSON.stringify({ keyId: id }), address: null });
    return { id, orgId: o.id, label, secret, createdAt };
  }

  /** The key's id and organisation, or undefined for anything that is not an active admin key. */
  async authenticate(secret: string): Promise<{ id: string; orgId: string; label: string } | undefined> {
    if (!secret.startsWith(ADMIN_KEY_PREFIX)) return undefined;
    const hash = hashSecret(secret);
    const row = await this.store.adminKeys.findActiveByHash(hash);
    if (!row || !sameHash(row.secret_hash, hash)) return undefined;
    return { id: row.id, orgId: row.org_id, label: row.label };
  }
}
