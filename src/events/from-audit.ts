/**
 * The domain events a change appends to the outbox, built from the description every write
 * already gives the audit trail (action, target, field changes, detail): one place that sees every
 * write (SCIM and Bulk, CSV import, Entra sync, roster edits, photos, credentials, cards, wallet
 * passes, list configuration), and no second diff. Pure: no storage, no clock.
 *
 * Actions that describe delivery or access rather than a change (tokens, sign-ins, pushes made,
 * emails queued, refused uploads) make no event.
 */
import type { AuditAction, FieldChange as AuditChange } from '../roster/audit.js';
import type { EventSource, FieldChange, NewDomainEvent } from './types.js';

export interface ChangeDescription {
  readonly action: AuditAction;
  readonly target?: { readonly type: string; readonly id: string; readonly name?: string | null };
  readonly changes?: readonly AuditChange[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

const ROSTER = 'roster:';

/** Who made the change, from the audit trail's actor (`scim`, `entra-sync`, `admin:…`, `cli`, `system`, …). */
export function sourceOf(actor: string, detail?: Readonly<Record<string, unknown>>): EventSource {
  if (detail?.source === 'csv import') return 'import';
  if (actor === 'scim') return 'scim';
  if (actor === 'entra-sync') return 'entra';
  if (actor === 'self-upload') return 'capture';
  if (actor === 'apple-wallet') return 'device';
  if (actor === 'system') return 'system';
  return 'admin';
}

/**
 * A change's sides that are not empty (null or absent). Built by assignment: two conditional
 * spreads in one literal take V8's slow path on Node 20 (src/runtime/objects.ts).
 */
function sides(c: AuditChange): FieldChange {
  const v: { before?: unknown; after?: unknown } = {};
  if (c.before != null) v.before = c.before;
  if (c.after != null) v.after = c.after;
  return v;
}

/** Roster field changes by field key; a side that is null (the field was empty) is left out. */
function rosterChanges(changes: readonly AuditChange[] | undefined): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = Object.create(null) as Record<string, FieldChange>;
  for (const c of changes ?? []) {
    if (!c.field.startsWith(ROSTER)) continue;
    out[c.field.slice(ROSTER.length)] = sides(c);
  }
  return out;
}

function rosterValues(changes: readonly AuditChange[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const c of changes ?? []) if (c.field.startsWith(ROSTER) && c.after !== null && c.after !== undefined) out[c.field.slice(ROSTER.length)] = c.after;
  return out;
}

const afterOf = (changes: readonly AuditChange[] | undefined, field: string): unknown => changes?.find((c) => c.field === field)?.after;

/** SCIM-level changes of a group (groups have no roster fields), by attribute path. */
function attributeChanges(changes: readonly AuditChange[] | undefined): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = Object.create(null) as Record<string, FieldChange>;
  for (const c of changes ?? []) if (c.field !== 'members') out[c.field] = sides(c);
  return out;
}

/** Member ids listed by memberChange (a list, or {ids, truncated} past 10,000). */
function memberIds(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (v && typeof v === 'object' && Array.isArray((v as { ids?: unknown }).ids)) return memberIds((v as { ids: unknown }).ids);
  return [];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The events one audited change makes; `occurredAt` is the caller's (AuditTrail.record: the audit event's time). */
export function eventsFor(orgId: string, listId: string, e: ChangeDescription, actor: string): NewDomainEvent[] {
  const source = sourceOf(actor, e.detail);
  const t = e.target;
  const d = e.detail ?? {};
  const userName = t?.name ?? '';
  switch (e.action) {
    case 'person.created':
      if (!t) return [];
      return [{
        orgId, listId, type: 'person.created', subject: t.id,
        payload: { userName, source, active: afterOf(e.changes, 'active') !== false && rosterValues(e.changes).active !== false, externalId: str(afterOf(e.changes, 'externalId')), fields: rosterValues(e.changes) },
      }];
    case 'person.updated':
    case 'person.deactivated':
    case 'person.reactivated': {
      if (!t) return [];
      const changes = rosterChanges(e.changes);
      // The roster's `active` flip is what person.deactivated / reactivated say; other fields
      // changed by the same write still make a person.updated.
      if (e.action !== 'person.updated') delete changes.active;
      const out: NewDomainEvent[] = [];
      if (e.action !== 'person.updated') out.push({ orgId, listId, type: e.action, subject: t.id, payload: { userName, source } });
      if (e.action === 'person.updated' || Object.keys(changes).length > 0) out.push({ orgId, listId, type: 'person.updated', subject: t.id, payload: { userName, source, changes } });
      return out;
    }
    case 'person.deleted':
      return t ? [{ orgId, listId, type: 'person.deleted', subject: t.id, payload: { userName, source } }] : [];
    case 'group.created':
    case 'group.deleted':
      return t ? [{ orgId, listId, type: e.action, subject: t.id, payload: { displayName: t.name ?? '', source } }] : [];
    case 'group.updated':
    case 'group.renamed':
      return t ? [{ orgId, listId, type: 'group.updated', subject: t.id, payload: { displayName: t.name ?? '', source, changes: attributeChanges(e.changes) } }] : [];
    case 'group.members_added':
    case 'group.members_removed': {
      if (!t) return [];
      const m = e.changes?.find((c) => c.field === 'members');
      const ids = memberIds(e.action === 'group.members_added' ? m?.after : m?.before);
      const added = e.action === 'group.members_added' ? ids : [];
      const removed = e.action === 'group.members_removed' ? ids : [];
      return [{ orgId, listId, type: 'group.members_changed', subject: t.id, payload: { displayName: t.name ?? '', source, added, removed } }];
    }
    case 'list.created':
    case 'list.configured':
    case 'list.sync_method_changed':
    case 'mapping.changed':
    case 'wallet.apple_configured':
    case 'wallet.apple_removed':
    case 'google_wallet.configured':
    case 'google_wallet.removed':
    case 'wallet.branding_changed':
    case 'photo.capture_settings_changed':
      return [{ orgId, listId, type: 'list.updated', subject: null, payload: { what: e.action, source } }];
    case 'photo.uploaded':
      return t && typeof d.photoId === 'string' ? [{ orgId, listId, type: 'photo.submitted', subject: t.id, payload: { photoId: d.photoId, source } }] : [];
    case 'photo.approved':
      return t && typeof d.photoId === 'string' ? [{ orgId, listId, type: 'photo.approved', subject: t.id, payload: { photoId: d.photoId, source } }] : [];
    case 'photo.rejected':
      return t && typeof d.photoId === 'string' ? [{ orgId, listId, type: 'photo.rejected', subject: t.id, payload: { photoId: d.photoId, reason: str(d.reason), source } }] : [];
    case 'credential.issued':
      return t && typeof d.personId === 'string' ? [{ orgId, listId, type: 'credential.issued', subject: d.personId, payload: { credentialId: t.id, kind: String(d.kind) } }] : [];
    case 'credential.suspended':
    case 'credential.revoked':
    case 'credential.reinstated': {
      if (!t || typeof d.personId !== 'string') return [];
      const s = e.changes?.find((c) => c.field === 'status');
      return [{
        orgId, listId, type: 'credential.status_changed', subject: d.personId,
        payload: { credentialId: t.id, kind: String(d.kind), from: String(s?.before ?? ''), to: String(s?.after ?? ''), reason: str(d.reason) },
      }];
    }
    case 'credential.pass_updated':
      return t && typeof d.personId === 'string' ? [{ orgId, listId, type: 'wallet_pass.updated', subject: d.personId, payload: { credentialId: t.id, kind: String(d.kind), reason: 'content' } }] : [];
    case 'credential.device_registered':
    case 'credential.device_unregistered':
      return t && typeof d.personId === 'string'
        ? [{ orgId, listId, type: e.action === 'credential.device_registered' ? 'wallet_pass.device_registered' : 'wallet_pass.device_unregistered', subject: d.personId, payload: { credentialId: t.id, kind: String(d.kind), device: String(d.device ?? '') } }]
        : [];
    case 'cards.printed': {
      const people = Array.isArray(d.people) ? d.people.filter((p): p is string => typeof p === 'string') : [];
      return people.map((p) => ({ orgId, listId, type: 'card.printed' as const, subject: p, payload: { jobId: String(d.jobId ?? ''), template: String(d.template ?? '') } }));
    }
    default:
      return [];
  }
}
