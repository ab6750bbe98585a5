import { randomBytes } from 'node:crypto';
import type { CredentialKind, CredentialRow, CredentialStatus, MasterList, Repos, Store } from '../store/index.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { credentialTransition, type CredentialEvent, type CredentialState } from './credential-status.js';
import { newId } from '../runtime/ids.js';

/**
 * Credentials (printed cards, Google Wallet passes) and their lifecycle. The
 * promise: when the IdP deactivates someone, their credentials stop working at once. So the
 * status change happens inside the transaction that deactivates the person (ScimService and
 * ImportService are given this service as their `PersonLifecycle` and call `onPersonLifecycle`),
 * for SCIM, Bulk, CSV import and Entra sync alike, and each step is in the audit trail with the
 * same request id and IdP as the deactivation that caused it. What only follows a change (a
 * wallet pass showing new roster values) is an outbox consumer instead (`refreshPasses`,
 * src/credentials/lifecycle-consumers.ts), run after the commit.
 */
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['card', 'apple_pass', 'google_pass'];
export type CredentialAction = 'suspend' | 'revoke' | 'reinstate';
export type PersonLifecycleAction = 'person.deactivated' | 'person.reactivated' | 'person.deleted';
/** What must change in the same transaction as a person's deactivation, reactivation or deletion (their credentials' status). */
export interface PersonLifecycle {
  onPersonLifecycle(tx: Repos, listId: string, personId: string, action: PersonLifecycleAction, meta: RequestMeta): Promise<void>;
}
export const isLifecycleAction = (a: string): a is PersonLifecycleAction => a === 'person.deactivated' || a === 'person.reactivated' || a === 'person.deleted';

/**
 * What a kind of credential adds to the lifecycle (wallet passes: their remote copies). Both hooks
 * run inside the transaction of the change, so they may only write rows — a job row for any
 * network call, worked after the commit (src/jobs/job-runner.ts).
 */
export interface CredentialKindHooks {
  /** After the credential row is written; throw a CredentialError to refuse the issue. */
  onIssued?(tx: Repos, list: MasterList, c: CredentialRow, meta: RequestMeta, origin: string): Promise<void>;
  /** After a status change (by the holder's lifecycle or an admin). */
  onStatusChanged?(tx: Repos, c: CredentialRow, to: CredentialStatus, meta: RequestMeta): Promise<void>;
  /** After the holder's roster data changed (a new title, a new name): a wallet pass shows the new values. */
  onContentChanged?(tx: Repos, c: CredentialRow, meta: RequestMeta): Promise<void>;
}

const stateOf = (c: CredentialRow): CredentialState => ({ status: c.status as CredentialStatus, statusReason: c.status_reason, statusBefore: c.status_before });

export class CredentialError extends Error {
  constructor(readonly status: 400 | 404 | 409, readonly code: string, message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

export interface CredentialView {
  readonly id: string;
  readonly personId: string;
  readonly kind: string;
  readonly status: CredentialStatus;
  readonly statusReason: string | null;
  readonly verifyUrl: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Verification {
  readonly status: CredentialStatus;
  readonly kind: string;
  readonly holder: string;
  readonly organisation: string;
  readonly list: string;
  readonly since: string;
  readonly checkedAt: string;
  /** Whether /v/{code}/photo shows the holder's approved photo (only while the credential is valid). */
  readonly photo: boolean;
}

type Doc = Readonly<Record<string, unknown>>;

/** The name a door guard sees: displayName, else given and family name, else userName. */
export function holderName(doc: Doc): string {
  if (typeof doc.displayName === 'string' && doc.displayName.trim()) return doc.displayName.trim();
  const n = doc.name as Doc | undefined;
  const parts = [n?.givenName, n?.familyName].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  if (parts.length) return parts.join(' ');
  return typeof doc.userName === 'string' ? doc.userName : 'Unknown';
}

export class CredentialService {
  private readonly hooks = new Map<string, CredentialKindHooks>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** Adds a kind's lifecycle hooks (main.ts wires Google Wallet's). */
  registerKind(kind: CredentialKind, hooks: CredentialKindHooks): void {
    this.hooks.set(kind, hooks);
  }

  view(c: CredentialRow, origin: string): CredentialView {
    return {
      id: c.id, personId: c.person_id, kind: c.kind, status: c.status as CredentialStatus, statusReason: c.status_reason,
      verifyUrl: `${origin}/v/${c.verify_code}`, createdAt: c.created_at, updatedAt: c.updated_at,
    };
  }

  /** Issues a credential to an active person of the list. */
  async issue(list: MasterList, personId: string, kind: unknown, meta: RequestMeta, origin = ''): Promise<CredentialRow> {
    if (!CREDENTIAL_KINDS.includes(kind as CredentialKind)) throw new CredentialError(400, 'invalid_body', `kind must be one of ${CREDENTIAL_KINDS.join(', ')}`);
    // A wallet pass without its hooks would never reach the wallet, nor be revoked there.
    if (kind !== 'card' && !this.hooks.has(kind as string)) throw new CredentialError(409, 'kind_unavailable', `this server cannot issue ${String(kind)} credentials`);
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true); // the list lock first, like every write (no deadlock with SCIM writes)
      const person = await tx.users.get(list.id, personId);
      if (!person) throw new CredentialError(404, 'not_found', `no person "${personId}" on this list`);
      if (person.data.active === false) throw new CredentialError(409, 'person_inactive', 'this person is deactivated: a credential cannot be issued until the IdP reactivates them');
      const t = this.now();
      const row = { id: newId(), list_id: list.id, person_id: personId, kind: kind as string, verify_code: randomBytes(32).toString('base64url'), status: 'valid', status_reason: null, status_before: null, created_at: t, updated_at: t };
      await tx.credentials.insert(row);
      await this.audit.record(tx, list.id, { action: 'credential.issued', target: { type: 'credential', id: row.id, name: holderName(person.data) }, detail: { kind: row.kind, personId } }, meta);
      await this.hooks.get(row.kind)?.onIssued?.(tx, list, row, meta, origin);
      return row;
    });
  }

  async forPerson(list: MasterList, personId: string): Promise<CredentialRow[]> {
    return (await this.store.credentials.forPerson(personId)).filter((c) => c.list_id === list.id);
  }

  /** An admin suspends, revokes (for good) or reinstates one credential. */
  async act(list: MasterList, id: string, action: CredentialAction, meta: RequestMeta, reason?: string): Promise<CredentialRow> {
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      const c = await tx.credentials.get(id);
      if (!c || c.list_id !== list.id) throw new CredentialError(404, 'not_found', `no credential "${id}" on this list`);
      const person = await tx.users.get(list.id, c.person_id);
      const event: CredentialEvent = action === 'reinstate' ? { type: action, holderActive: !!person && person.data.active !== false } : { type: action, reason };
      const t = credentialTransition(stateOf(c), event);
      if (t.kind === 'refused') throw new CredentialError(409, t.code, t.message);
      if (t.kind !== 'change') throw new Error(`no transition for an admin's ${action}`); // an admin's action always changes or is refused
      const { to, reason: why } = t;
      await tx.credentials.setStatus(id, to, why, this.now());
      await this.record(tx, list.id, c, to, why, meta, person?.data);
      await this.hooks.get(c.kind)?.onStatusChanged?.(tx, c, to, meta);
      return (await tx.credentials.get(id))!;
    });
  }

  /**
   * Called by ScimService in the transaction of a person's deactivation, reactivation or
   * deletion: revokes (or reinstates) that person's credentials before the change commits.
   */
  async onPersonLifecycle(tx: Repos, listId: string, personId: string, action: PersonLifecycleAction, meta: RequestMeta): Promise<void> {
    const mine = (await tx.credentials.forPerson(personId)).filter((c) => c.list_id === listId);
    for (const c of mine) {
      const t = credentialTransition(stateOf(c), { type: action });
      if (t.kind !== 'change') continue;
      const { to, reason: why } = t, before = t.before ?? null;
      await tx.credentials.setStatus(c.id, to, why, this.now(), before);
      await this.record(tx, listId, c, to, why, meta, (await tx.users.get(listId, personId))?.data);
      await this.hooks.get(c.kind)?.onStatusChanged?.(tx, c, to, meta);
    }
  }

  /**
   * The holder's roster data changed (a person.updated event, consumed after its commit): each of
   * their live wallet passes becomes a new version with the new values, pushed to the wallet. Runs
   * in the consumer's transaction, so the pass update and the record that the event was handled
   * commit together.
   */
  /** Whether the person holds a credential whose content follows the roster (a live wallet pass). */
  async hasLivePasses(listId: string, personId: string): Promise<boolean> {
    return (await this.store.credentials.liveKinds(listId, personId)).some((kind) => this.hooks.get(kind)?.onContentChanged !== undefined);
  }

  async refreshPasses(tx: Repos, listId: string, personId: string, meta: RequestMeta): Promise<void> {
    const mine = (await tx.credentials.forPerson(personId)).filter((c) => c.list_id === listId);
    const live = mine.filter((c) => c.status !== 'revoked' && this.hooks.get(c.kind)?.onContentChanged);
    if (live.length === 0) return;
    // The list's lock first, as every write does (one lock order, no deadlock with SCIM writes).
    await tx.audit.chain(listId, true);
    const person = await tx.users.get(listId, personId);
    if (!person) return;
    for (const c of live) {
      await this.hooks.get(c.kind)!.onContentChanged!(tx, c, meta);
      // The pass in the holder's wallet becomes a new version with the new roster values: their
      // history says so (the push itself is its own event).
      await this.audit.record(tx, listId, {
        action: 'credential.pass_updated', target: { type: 'credential', id: c.id, name: holderName(person.data) },
        detail: { kind: c.kind, personId: c.person_id, reason: 'the holder\'s roster data changed' },
      }, meta);
    }
  }

  private async record(tx: Repos, listId: string, c: CredentialRow, to: CredentialStatus, why: string | null, meta: RequestMeta, doc: Doc | undefined): Promise<void> {
    const action = to === 'valid' ? 'credential.reinstated' : to === 'suspended' ? 'credential.suspended' : 'credential.revoked';
    await this.audit.record(tx, listId, {
      action, target: { type: 'credential', id: c.id, name: doc ? holderName(doc) : null },
      changes: [{ field: 'status', before: c.status, after: to }], detail: { kind: c.kind, personId: c.person_id, ...(why ? { reason: why } : {}) },
    }, meta);
  }

  /**
   * What the QR code's URL answers: the credential's status now, and only what a door needs
   * (holder's name, organisation). Every check is logged. Unknown codes answer undefined.
   */
  async verify(code: string, userAgent: string | undefined): Promise<Verification | undefined> {
    if (!/^[\w-]{43}$/.test(code)) return undefined;
    const c = await this.store.credentials.byCode(code);
    if (!c) return undefined;
    const [list, person] = await Promise.all([this.store.lists.get(c.list_id), this.store.users.get(c.list_id, c.person_id)]);
    const org = list ? await this.store.lists.organisation(list.orgId) : undefined;
    // A person removed from the roster, or deactivated by any path, must not pass whatever the row says.
    const status: CredentialStatus = person && person.data.active !== false ? (c.status as CredentialStatus) : 'revoked';
    const checkedAt = this.now();
    await this.store.credentials.logVerification({ credential_id: c.id, list_id: c.list_id, at: checkedAt, status, user_agent: userAgent?.slice(0, 300) ?? null });
    const photo = status === 'valid' && person !== undefined && (await this.store.photos.approvedAmong([person.id])).has(person.id);
    return { status, kind: c.kind, holder: person ? holderName(person.data) : 'Unknown', organisation: org?.name ?? '', list: list?.name ?? '', since: c.updated_at, checkedAt, photo };
  }

  /** The holder's approved photo for the verification page, only while the credential is valid. */
  async verificationPhoto(code: string): Promise<Buffer | undefined> {
    if (!/^[\w-]{43}$/.test(code)) return undefined;
    const c = await this.store.credentials.byCode(code);
    if (!c || c.status !== 'valid') return undefined;
    const person = await this.store.users.get(c.list_id, c.person_id);
    return person && person.data.active !== false ? this.store.photos.approvedImage(person.id) : undefined;
  }
}
