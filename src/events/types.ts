/**
 * Domain events (issue 15, item 1): what happened to a person, a group, a photo, a credential, a
 * card, a wallet pass or a list, as written to the outbox in the same transaction as the change.
 * The audit trail stays the tamper-evident record; these are for delivery (lifecycle consumers,
 * webhooks, GET /api/v1/events). Pure types and data: no storage, no HTTP.
 *
 * Stability: payloads only grow (new optional members); a change of meaning gets a new type.
 * Field values are in roster field keys (the list's columns, e.g. `firstName`, `department`), the
 * words an ID office sees, never SCIM paths.
 */

/** Who made the change, so a consumer can tell an IdP push from an admin edit. */
export type EventSource = 'scim' | 'import' | 'entra' | 'admin' | 'capture' | 'system' | 'device';

/** One roster field's value before and after a change (absent on one side: the field was empty). */
export interface FieldChange {
  readonly before?: unknown;
  readonly after?: unknown;
}

interface PersonBase {
  readonly userName: string;
  readonly source: EventSource;
}

/** Credential events: the subject is the person; the credential is named here. */
interface CredentialBase {
  readonly credentialId: string;
  /** `card` (printed, QR verified), `apple_pass` or `google_pass`. */
  readonly kind: string;
}

/** The payload of each event type. */
export interface EventPayloads {
  /** `fields`: the person's roster fields as created (derived columns included). */
  'person.created': PersonBase & { readonly active: boolean; readonly externalId: string | null; readonly fields: Readonly<Record<string, unknown>> };
  /** `changes`: only the fields whose value changed; `userName` is the name after the change. */
  'person.updated': PersonBase & { readonly changes: Readonly<Record<string, FieldChange>> };
  'person.deactivated': PersonBase;
  'person.reactivated': PersonBase;
  'person.deleted': PersonBase;
  'group.created': { readonly displayName: string; readonly source: EventSource };
  /** `changes`: SCIM attributes of the group that changed (groups have no roster fields), e.g. displayName, externalId. */
  'group.updated': { readonly displayName: string; readonly changes: Readonly<Record<string, FieldChange>>; readonly source: EventSource };
  'group.deleted': { readonly displayName: string; readonly source: EventSource };
  /** Member ids (people or nested groups) added and removed by one write. */
  'group.members_changed': { readonly displayName: string; readonly added: readonly string[]; readonly removed: readonly string[]; readonly source: EventSource };
  /** Photo events: the subject is the person. */
  /** Waiting for review; an upload approved at once is followed by photo.approved. */
  'photo.submitted': { readonly photoId: string; readonly source: EventSource };
  'photo.approved': { readonly photoId: string; readonly source: EventSource };
  'photo.rejected': { readonly photoId: string; readonly reason: string | null; readonly source: EventSource };
  'credential.issued': CredentialBase;
  /** `from`/`to`: valid, suspended or revoked; `reason` as recorded (e.g. "person deactivated"). */
  'credential.status_changed': CredentialBase & { readonly from: string; readonly to: string; readonly reason: string | null };
  'card.printed': { readonly jobId: string; readonly template: string };
  /** The holder's roster data changed, so the pass's content must reach the wallet (its state changes are credential.status_changed). */
  'wallet_pass.updated': CredentialBase & { readonly reason: 'content' };
  'wallet_pass.device_registered': CredentialBase & { readonly device: string };
  'wallet_pass.device_unregistered': CredentialBase & { readonly device: string };
  /** `what`: the audit action that changed it (list.configured, mapping.changed, wallet.apple_configured, …). */
  'list.updated': { readonly what: string; readonly source: EventSource };
}

export type EventType = keyof EventPayloads;

/** Every event type with its one-line meaning (docs/events.md lists the same). */
export const EVENT_TYPES: Readonly<Record<EventType, string>> = Object.freeze({
  'person.created': 'A person was added to a list (SCIM create, CSV import, Entra sync or the roster page).',
  'person.updated': 'Roster fields of a person changed; the payload has each changed field before and after.',
  'person.deactivated': 'A person became inactive (active=false); their credentials are suspended or revoked.',
  'person.reactivated': 'An inactive person became active again.',
  'person.deleted': 'A person was removed from the list.',
  'group.created': 'A group was created.',
  'group.updated': 'A group\'s attributes (its name, externalId) changed.',
  'group.deleted': 'A group was removed.',
  'group.members_changed': 'Members were added to or removed from a group.',
  'photo.submitted': 'A photo was uploaded for a person.',
  'photo.approved': 'A person\'s photo was approved.',
  'photo.rejected': 'A person\'s photo was rejected.',
  'credential.issued': 'A credential (card, Apple or Google pass) was issued to a person.',
  'credential.status_changed': 'A credential became valid, suspended or revoked.',
  'card.printed': 'A card for a person was printed in a print job.',
  'wallet_pass.updated': 'A wallet pass\'s content changed with the holder\'s roster data and is being pushed to the wallet.',
  'wallet_pass.device_registered': 'A device registered an Apple Wallet pass for updates.',
  'wallet_pass.device_unregistered': 'A device stopped receiving updates for an Apple Wallet pass.',
  'list.updated': 'A list\'s configuration changed (name, settings, sync method, schema and mapping, wallets, branding).',
});

export const isEventType = (s: string): s is EventType => Object.hasOwn(EVENT_TYPES, s);

/** An event as a service appends it (the store adds id, seq and, unless given, occurredAt). */
export type NewDomainEvent = {
  [T in EventType]: {
    readonly type: T;
    readonly orgId: string;
    readonly listId: string | null;
    /** What the event is about: a person id for person.*, photo.*, credential.*, card.*, wallet_pass.*; a group id for group.*; null for list.*. */
    readonly subject: string | null;
    readonly payload: EventPayloads[T];
    readonly occurredAt?: string;
    /**
     * The sequence number of the list's audit event the payload derives from: the outbox then
     * stores no copy of it and reads it from that event (migration 039, events-repo.ts).
     */
    readonly auditSeq?: number;
  }
}[EventType];

/** An event as read back from the outbox. */
export type DomainEvent = {
  [T in EventType]: {
    /** Global, increasing in commit order: the cursor of GET /api/v1/events and of consumers. */
    readonly id: number;
    readonly orgId: string;
    /** Per organisation, gap-free, in the same order as id. */
    readonly seq: number;
    readonly listId: string | null;
    readonly type: T;
    readonly subject: string | null;
    readonly occurredAt: string;
    readonly payload: EventPayloads[T];
  }
}[EventType];
