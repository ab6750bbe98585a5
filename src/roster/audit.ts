/**
 * What the provisioning audit trail records: the actions, and the field-by-field difference
 * between two versions of a resource. Pure: no storage, no clock, no hashing.
 */

export const AUDIT_ACTIONS = [
  'person.created', 'person.updated', 'person.deactivated', 'person.reactivated', 'person.deleted',
  'group.created', 'group.updated', 'group.renamed', 'group.deleted', 'group.members_added', 'group.members_removed',
  'list.created', 'list.configured', 'list.sync_method_changed', 'mapping.changed',
  'token.created', 'token.first_used', 'token.revoked',
  'admin.signed_in',
  'credential.issued', 'credential.suspended', 'credential.revoked', 'credential.reinstated',
  'cards.printed',
  'photo.link_created', 'photo.uploaded', 'photo.upload_refused', 'photo.approved', 'photo.rejected',
  'credential.device_registered', 'credential.device_unregistered', 'credential.pass_updated', 'credential.pass_pushed', 'credential.push_failed',
  'wallet.apple_configured', 'wallet.apple_removed',
  'credential.google_object_created', 'credential.google_object_updated', 'credential.google_update_failed',
  'google_wallet.configured', 'google_wallet.removed',
  'email.queued',
  'wallet.branding_changed', 'photo.capture_settings_changed',
  'provisioning.failed',
  'campaign.started', 'campaign.invitations_sent', 'campaign.reminders_sent', 'campaign.finished', 'campaign.invitation_resent', 'campaign.automatic_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface FieldChange {
  /** `userName`, `name.givenName`, `emails`, `urn:…:enterprise:2.0:User:department`, `members`. */
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

import { canonical, isObject, jsonEqual } from '../scim/json.js';

export { canonical };

type Doc = Readonly<Record<string, unknown>>;

/**
 * Flattens a SCIM resource to field → value: complex single values by sub-attribute
 * (`name.givenName`), extension attributes under their URN, multi-valued attributes whole
 * (`emails` is one field: its values only mean something together).
 */
export function flattenResource(doc: Doc | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!doc) return out;
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'schemas' || k === 'id' || k === 'meta' || v === undefined) continue;
    if (isObject(v) && k.includes(':')) {
      for (const [ek, ev] of Object.entries(v)) {
        if (isObject(ev)) for (const [sk, sv] of Object.entries(ev)) out.set(`${k}:${ek}.${sk}`, sv);
        else if (ev !== undefined) out.set(`${k}:${ek}`, ev);
      }
    } else if (isObject(v)) {
      for (const [sk, sv] of Object.entries(v)) if (sv !== undefined) out.set(`${k}.${sk}`, sv);
    } else {
      out.set(k, v);
    }
  }
  return out;
}

/** Every field whose value differs between two versions; absent is `null` on its side. */
export function diffResources(before: Doc | undefined, after: Doc | undefined): FieldChange[] {
  const a = flattenResource(before), b = flattenResource(after);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: FieldChange[] = [];
  for (const f of fields) {
    const x = a.get(f) ?? null, y = b.get(f) ?? null;
    if (!jsonEqual(x, y)) out.push({ field: f, before: x, after: y });
  }
  return out;
}

/** The action a user update is recorded as: deactivation and reactivation are their own actions. */
export function personUpdateAction(before: Doc, after: Doc): AuditAction {
  const was = before.active !== false, is = after.active !== false;
  if (was && !is) return 'person.deactivated';
  if (!was && is) return 'person.reactivated';
  return 'person.updated';
}

/** Most people one event is filed under (a print batch of everyone); the batch's own count stays exact. */
export const MAX_EVENT_PEOPLE = 10_000;

/**
 * The people an event is about, so a person's history finds it: the person it targets, the
 * holder of a credential it targets (`detail.personId`), everyone a print batch printed
 * (`detail.people`). Derived from the event's own content only, so the index it feeds can be
 * rebuilt from the trail at any time.
 */
export function eventPeople(target: { readonly type: string | null; readonly id: string | null } | undefined, detail: unknown): string[] {
  const out = new Set<string>();
  if (target?.type === 'person' && target.id) out.add(target.id);
  if (isObject(detail)) {
    if (typeof detail.personId === 'string' && detail.personId) out.add(detail.personId);
    if (Array.isArray(detail.people)) for (const p of detail.people.slice(0, MAX_EVENT_PEOPLE)) if (typeof p === 'string' && p) out.add(p);
  }
  return [...out];
}

/**
 * The people `audit_people` files an event under: everyone it is about but the person it
 * targets, whose events index `audit_list_target` already finds (issue 16: a person's own
 * changes, most of the trail, cost no second row).
 */
export function filedPeople(target: { readonly type: string | null; readonly id: string | null } | undefined, detail: unknown): string[] {
  const all = eventPeople(target, detail);
  return target?.type === 'person' ? all.filter((p) => p !== target.id) : all;
}
