/**
 * The credential status machine, pure: given a credential's status (and why, and what it was
 * before its holder's deactivation) and an event, the next status, or a refusal, or nothing to do.
 * CredentialService loads the row, calls this, and stores and records the answer.
 *
 *   valid ⇄ suspended        an admin suspends or reinstates
 *   valid|suspended → revoked by an admin (final), or by the holder's deactivation (undone by
 *                             reactivation, back to what it was) or deletion (final)
 */

export type Status = 'valid' | 'suspended' | 'revoked';

/** Why a credential changed status; "person deactivated" is the one reactivation undoes. */
export const BY_DEACTIVATION = 'person deactivated';
export const BY_DELETION = 'person deleted';

export interface CredentialState {
  readonly status: Status;
  readonly statusReason: string | null;
  /** JSON {status, reason} saved when the holder's deactivation revoked it. */
  readonly statusBefore: string | null;
}

export type CredentialEvent =
  | { readonly type: 'suspend' | 'revoke'; readonly reason?: string | undefined }
  | { readonly type: 'reinstate'; readonly holderActive: boolean }
  | { readonly type: 'person.deactivated' | 'person.reactivated' | 'person.deleted' };

export type Transition =
  | { readonly kind: 'change'; readonly to: Status; readonly reason: string | null; readonly before?: string | null }
  | { readonly kind: 'refused'; readonly code: 'invalid_transition' | 'person_inactive'; readonly message: string }
  | { readonly kind: 'none' };

const NONE: Transition = { kind: 'none' };
const refused = (code: 'invalid_transition' | 'person_inactive', message: string): Transition => ({ kind: 'refused', code, message });

export function credentialTransition(c: CredentialState, e: CredentialEvent): Transition {
  const byDeactivation = c.status === 'revoked' && c.statusReason === BY_DEACTIVATION;
  switch (e.type) {
    case 'suspend':
      if (c.status !== 'valid') return refused('invalid_transition', `only a valid credential can be suspended; this one is ${c.status}`);
      return { kind: 'change', to: 'suspended', reason: adminReason(e.reason, e.type) };
    case 'revoke':
      // Revoked by the holder's deactivation is not final (reactivation restores it); an admin may make it final.
      if (c.status === 'revoked' && !byDeactivation) return refused('invalid_transition', 'this credential is already revoked');
      return { kind: 'change', to: 'revoked', reason: adminReason(e.reason, e.type) };
    case 'reinstate':
      if (!(c.status === 'suspended' || byDeactivation)) {
        return refused('invalid_transition', c.status === 'valid' ? 'this credential is already valid' : 'a revoked credential cannot be reinstated: issue a new one');
      }
      if (!e.holderActive) return refused('person_inactive', 'the holder is deactivated: the credential can be reinstated once the IdP reactivates them');
      return { kind: 'change', to: 'valid', reason: null };
    case 'person.deactivated':
      if (c.status === 'revoked') return NONE;
      // Remember what it was: reactivation gives back a suspended card suspended, a valid one valid.
      return { kind: 'change', to: 'revoked', reason: BY_DEACTIVATION, before: JSON.stringify({ status: c.status, reason: c.statusReason }) };
    case 'person.deleted':
      if (c.status === 'revoked' && !byDeactivation) return NONE;
      return { kind: 'change', to: 'revoked', reason: BY_DELETION };
    case 'person.reactivated': {
      if (!byDeactivation) return NONE;
      const prior = c.statusBefore ? (JSON.parse(c.statusBefore) as { status: Status; reason: string | null }) : { status: 'valid' as const, reason: null };
      return prior.status === 'suspended' ? { kind: 'change', to: 'suspended', reason: prior.reason } : { kind: 'change', to: 'valid', reason: null };
    }
  }
}

const adminReason = (reason: string | undefined, action: string): string => reason?.trim().slice(0, 500) || `by an admin (${action})`;
