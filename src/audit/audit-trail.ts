/**
 * The provisioning audit trail: one event per change, written in the transaction of the change
 * itself, chained per list by SHA-256 so that editing, removing or reordering any event is
 * detected by `verify`. Retention cuts the chain at an anchor and stays verifiable from there.
 */
import { createHash } from 'node:crypto';
import type { AuditAction, FieldChange } from '../roster/audit.js';
import { canonical, filedPeople } from '../roster/audit.js';
import type { AuditEventRow, Repos, Store } from '../store/index.js';
import { eventsFor } from '../events/from-audit.js';
import type { NewDomainEvent } from '../events/types.js';
import { merged } from '../runtime/objects.js';

export interface RequestMeta {
  readonly requestId?: string;
  /** `scim`, `cli`, `admin-key:<id>`, `system`. */
  readonly actor: string;
  readonly tokenId?: string;
  readonly tokenLabel?: string;
  readonly idp?: string;
  readonly idpEvidence?: string;
}

export interface AuditEventInput {
  readonly action: AuditAction;
  readonly target?: { readonly type: 'person' | 'group' | 'list' | 'token' | 'admin_key' | 'credential' | 'organisation'; readonly id: string; readonly name?: string | null };
  readonly changes?: readonly FieldChange[];
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly normalisations?: readonly string[];
}

export interface VerifyResult {
  readonly listId: string;
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBad?: { readonly seq: number; readonly id: number | null; readonly reason: string };
}

/** The exact bytes an event's hash covers: every column but `id` and `hash`, in a fixed order. */
export function eventHash(r: Omit<AuditEventRow, 'id' | 'hash'>): string {
  const material = JSON.stringify([
    r.list_id, Number(r.seq), r.time, r.action, r.target_type, r.target_id, r.target_name, r.changes, r.detail,
    r.request_id, r.actor, r.token_id, r.token_label, r.idp, r.idp_evidence, r.normalisations, r.prev_hash,
  ]);
  return createHash('sha256').update(material, 'utf8').digest('hex');
}

/**
 * The outbox events whose payload is read from their audit event rather than stored twice: the
 * ones that carry a person's field values (a person.created event lists every roster field).
 */
const READ_FROM_AUDIT: ReadonlySet<string> = new Set(['person.created', 'person.updated']);

/** Largest number of member ids one membership event lists; the count is always exact. */
const MAX_LISTED = 10_000;

export function memberChange(ids: readonly string[], added: boolean): FieldChange[] {
  const listed = ids.slice(0, MAX_LISTED);
  const value = ids.length > MAX_LISTED ? { count: ids.length, ids: listed, truncated: true } : listed;
  return [{ field: 'members', before: added ? null : value, after: added ? value : null }];
}

export class AuditTrail {
  /** `onRecorded`: told each event's action once appended (metrics; a transaction that then rolls back was counted). */
  constructor(readonly enabled: boolean, private readonly now: () => string = () => new Date().toISOString(), private readonly onRecorded?: (action: string) => void) {}

  /** A list's organisation, when the audit trail is off (a list never moves to another organisation). */
  private readonly orgOfList = new Map<string, string>();

  /**
   * Appends one event to the list's chain inside the caller's transaction, and the domain events
   * the change makes to the outbox (issue 15: every write describes itself here, so this is the
   * one place that sees them all; the outbox is written whether or not the trail is enabled).
   */
  async record(tx: Repos, listId: string, e: AuditEventInput, meta: RequestMeta): Promise<void> {
    if (!this.enabled) {
      const orgId = this.orgOfList.get(listId) ?? (await tx.lists.get(listId))?.orgId;
      if (orgId === undefined) return;
      if (this.orgOfList.size > 10_000) this.orgOfList.clear();
      this.orgOfList.set(listId, orgId);
      await tx.events.append(eventsFor(orgId, listId, e, meta.actor));
      return;
    }
    const chain = await tx.audit.chain(listId, true);
    if (!chain) return;
    const seq = chain.headSeq + 1;
    const time = this.now();
    // The change's events occurred when it was recorded; those whose payload holds field values
    // name this event instead of copying them (migration 039: the outbox reads them here).
    await tx.events.append(eventsFor(chain.orgId, listId, e, meta.actor).map((ev) => (READ_FROM_AUDIT.has(ev.type) ? merged(ev, { auditSeq: seq, occurredAt: time }) : merged(ev, { occurredAt: time })) as NewDomainEvent));
    const row = {
      list_id: listId, seq, time, action: e.action,
      target_type: e.target?.type ?? null, target_id: e.target?.id ?? null, target_name: e.target?.name ?? null,
      changes: JSON.stringify(canonical(e.changes ?? [])), detail: e.detail ? JSON.stringify(canonical(e.detail)) : null,
      request_id: meta.requestId ?? null, actor: meta.actor, token_id: meta.tokenId ?? null, token_label: meta.tokenLabel ?? null,
      idp: meta.idp ?? null, idp_evidence: meta.idpEvidence ?? null, normalisations: JSON.stringify(e.normalisations ?? []),
      prev_hash: chain.headHash,
    };
    await tx.audit.append(merged(row, { hash: eventHash(row) }), filedPeople(e.target, e.detail));
    this.onRecorded?.(e.action);
  }

  /** Checks a list's chain from its anchor to its head; names the first event that does not match. */
  async verify(store: Store, listId: string): Promise<VerifyResult> {
    const chain = await store.audit.chain(listId, false);
    if (!chain) return { listId, ok: false, checked: 0, firstBad: { seq: 0, id: null, reason: 'no such list' } };
    let expectedSeq = chain.anchorSeq + 1;
    let prev = chain.anchorHash;
    let checked = 0;
    for await (const r of store.audit.walk(listId, chain.anchorSeq)) {
      const bad = (reason: string): VerifyResult => ({ listId, ok: false, checked, firstBad: { seq: r.seq, id: r.id, reason } });
      if (r.seq !== expectedSeq) {
        return { listId, ok: false, checked, firstBad: { seq: expectedSeq, id: null, reason: `event ${expectedSeq} is missing (next present is ${r.seq})` } };
      }
      if (r.prev_hash !== prev) return bad('its prev_hash does not match the previous event (an event before it was changed or removed)');
      // Its prev_hash is stored as the empty text since issue 16 (AuditRepo.append) and read from the
      // event before, so editing that event (and its hash) shows here, as a hash that no longer matches.
      if (eventHash(r) !== r.hash) return bad('its content does not match its hash (the event, or the one before it, was edited)');
      prev = r.hash;
      expectedSeq++;
      checked++;
    }
    if (expectedSeq - 1 !== chain.headSeq) {
      return { listId, ok: false, checked, firstBad: { seq: expectedSeq, id: null, reason: `events ${expectedSeq}..${chain.headSeq} are missing from the end of the chain` } };
    }
    if (prev !== chain.headHash) {
      return { listId, ok: false, checked, firstBad: { seq: chain.headSeq, id: null, reason: 'the last event does not match the recorded head of the chain' } };
    }
    return { listId, ok: true, checked };
  }

  /** Drops a list's events older than `cutoff` (ISO time), re-anchoring the chain. Returns how many went. */
  async prune(store: Store, listId: string, cutoff: string): Promise<number> {
    return store.transaction(async (tx) => {
      await tx.audit.chain(listId, true);
      const last = await tx.audit.lastBefore(listId, cutoff);
      if (!last) return 0;
      return tx.audit.dropThrough(listId, last.seq, last.hash);
    });
  }
}

/**
 * Takes the locks of every list of an organisation, in id order, before a transaction writes
 * organisation-wide rows (wallet settings) and records them in each list's trail: the same
 * "list lock first" order as every other write, and one order among such writers, so no cycle.
 */
export async function lockListsOf(tx: Repos, orgId: string): Promise<void> {
  const ids = (await tx.lists.all(orgId)).map((l) => l.id).sort();
  for (const id of ids) await tx.audit.chain(id, true);
}
