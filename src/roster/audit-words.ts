/**
 * The audit trail in roster words: what the admin API, the web app and the CSV export show of an
 * event. The stored events are never rewritten (their hash chain covers their exact bytes); this
 * reads them with the list's current field labels and mapping. Pure: no storage, no clock.
 *
 * One edit of a mapped attribute is stored twice, as the SCIM attribute the IdP changed
 * (`urn:…:enterprise:2.0:User:department`) and as the roster field derived from it
 * (`roster:department`); here it is one change, "Department: Emergency → Intensive Care", that
 * keeps both raw paths for whoever needs them.
 */
import type { FieldChange } from './audit.js';
import { DEFAULT_ATTRIBUTES, type FieldType, type MappingEntry, type RosterField } from './fields.js';

export interface ChangeInWords {
  /** The list's label for the field ("Department"), or a plain name for a SCIM attribute no field maps. */
  readonly label: string;
  /** The roster field's key, when the change is one of the list's fields. */
  readonly field: string | null;
  /** Values as words; null is "empty". */
  readonly before: string | null;
  readonly after: string | null;
  /** The stored paths this change stands for: `roster:department`, `urn:…:User:department`. */
  readonly paths: readonly string[];
}

export interface Fact {
  readonly label: string;
  readonly text: string;
}

export interface WordsContext {
  readonly fields: readonly RosterField[];
  readonly mapping: readonly MappingEntry[];
  /** Names of the people an event refers to by id (a manager, a group's members), looked up by the caller. */
  readonly names: ReadonlyMap<string, string>;
}

const ROSTER = 'roster:';
/** How many values of a multi-valued change (a group's members) are named; the rest are counted. */
const MAX_NAMED = 10;
/** Facts listed per event, and how deep an unknown detail object is read. */
const MAX_FACTS = 20;
const MAX_DEPTH = 3;

/** Attributes that are no roster field's source, and the fields other events change. */
const PLAIN_LABELS: ReadonlyMap<string, string> = new Map([
  ['active', 'Active'], ['externalid', 'External ID'], ['username', 'Username'], ['emails', 'Emails'], ['phonenumbers', 'Phone numbers'],
  ['addresses', 'Addresses'], ['ims', 'Instant messaging'], ['photos', 'Photos (SCIM)'], ['roles', 'Roles'], ['entitlements', 'Entitlements'],
  ['x509certificates', 'Certificates'], ['groups', 'Groups'], ['members', 'Members'], ['displayname', 'Display name'],
  ['password', 'Password'], ['preferredlanguage', 'Preferred language'], ['profileurl', 'Profile URL'],
  ['manager.displayname', 'Manager (name as sent)'],
  ['status', 'Status'], ['photo.status', 'Photo'], ['google.state', 'Google Wallet pass'], ['syncmethod', 'Sync method'],
  ['autoinvite', 'Invite new people automatically'], ['name', 'Name'], ['strict', 'Strict mode'], ['uidattribute', 'Unique identifier'], ['externalidunique', 'External ID must be unique'],
]);

/** The default schema's labels by SCIM path, for lists whose mapping no longer names an attribute. */
const DEFAULT_LABELS: ReadonlyMap<string, { label: string; type: FieldType }> = new Map(
  DEFAULT_ATTRIBUTES.filter(([, , , path]) => !path.includes('[')).map(([, label, type, path]) => [path.toLowerCase(), { label, type }]),
);

/** `urn:…:User:manager.value` → { prefix: 'urn:…:User:', attr: 'manager.value' }. */
function splitPath(path: string): { prefix: string; attr: string } {
  const head = path.split('[')[0]!;
  if (!head.toLowerCase().startsWith('urn:')) return { prefix: '', attr: path };
  const i = head.lastIndexOf(':');
  return { prefix: path.slice(0, i + 1), attr: path.slice(i + 1) };
}

/** Core multi-valued attributes (RFC 7643 §4.1.2): a change to one is stored whole, under its name. */
const MULTI_VALUED = new Set(['emails', 'phonenumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509certificates']);

/**
 * The stored change paths a mapping source can produce: the path itself without its value filter
 * (`urn:…:User:department`, `name.givenName`), or the whole attribute when it is multi-valued,
 * since those are stored whole (`emails[type eq "work"].value` → `emails`).
 */
function changeKeysOf(source: string): string[] {
  const { prefix, attr } = splitPath(source);
  const root = attr.split(/[[.]/)[0]!;
  if (attr.includes('[') || MULTI_VALUED.has(root.toLowerCase())) return [(prefix + root).toLowerCase()];
  return [(prefix + attr).toLowerCase()];
}

/** A reference is a complex value (`manager.value`, `manager.displayName`): every sub-attribute belongs to it. */
function complexOf(source: string): string | undefined {
  const { prefix, attr } = splitPath(source);
  const i = attr.indexOf('.');
  return i > 0 && !attr.includes('[') ? (prefix + attr.slice(0, i + 1)).toLowerCase() : undefined;
}

/** The SCIM paths a `template` entry reads: `{name.givenName} {name.familyName}`. */
function templatePaths(template: string): string[] {
  return [...template.matchAll(/\{([^{}]{1,200})\}/g)].map((m) => m[1]!.trim());
}

/** Roster field key → the stored SCIM change paths (lower case) its mapping reads, and complex prefixes. */
function sourcesByField(mapping: readonly MappingEntry[]): Map<string, { keys: Set<string>; complex: Set<string> }> {
  const out = new Map<string, { keys: Set<string>; complex: Set<string> }>();
  for (const m of mapping) {
    const entry = out.get(m.field) ?? { keys: new Set<string>(), complex: new Set<string>() };
    const sources = m.transform === 'template' && m.template ? templatePaths(m.template) : [m.source];
    for (const s of sources) {
      for (const k of changeKeysOf(s)) entry.keys.add(k);
      const c = complexOf(s);
      if (c) entry.complex.add(c);
    }
    out.set(m.field, entry);
  }
  return out;
}

/** "costCenter" → "Cost center"; the last segment of a path. */
function humanise(path: string): string {
  const last = splitPath(path).attr.split('.').filter((s) => s !== 'value').pop() ?? path;
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : path;
}

/** A label for a stored change path no roster field stands for. */
function plainLabel(path: string): { label: string; type?: FieldType } {
  const lc = path.toLowerCase();
  const known = DEFAULT_LABELS.get(lc);
  if (known) return known;
  const plain = PLAIN_LABELS.get(lc) ?? PLAIN_LABELS.get(splitPath(lc).attr);
  if (plain) return { label: plain };
  if (lc.endsWith(':manager.value')) return { label: 'Manager', type: 'reference' };
  return { label: humanise(path) };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `2026-01-31` → "31 January 2026"; a date-time in UTC with its time. Month names, so no locale guesses 01/02. */
export function dateInWords(s: string): string | undefined {
  const d = DATE.exec(s);
  if (d) {
    const month = MONTHS[Number(d[2]) - 1];
    return month && Number(d[3]) >= 1 && Number(d[3]) <= 31 ? `${Number(d[3])} ${month} ${d[1]}` : undefined;
  }
  if (!DATE_TIME.test(s)) return undefined;
  const t = new Date(s);
  if (Number.isNaN(t.getTime())) return undefined;
  const iso = t.toISOString();
  return `${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()}, ${iso.slice(11, 16)} UTC`;
}

function referenceInWords(id: string, names: ReadonlyMap<string, string>): string {
  const name = names.get(id);
  return name ?? `a person not on this list (id ${id})`;
}

/**
 * Any stored value as words: yes and no for booleans, dates with their month's name, people by
 * name, multi-valued attributes as their values; never JSON. Null means empty.
 */
export function valueInWords(v: unknown, type?: FieldType, names: ReadonlyMap<string, string> = new Map(), depth = 0): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (type === 'reference') return referenceInWords(v, names);
    if (type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true' ? 'Yes' : 'No';
    return dateInWords(v) ?? v;
  }
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(v)) {
    const shown = v.slice(0, MAX_NAMED).map((x) => valueInWords(x, type, names, depth + 1)).filter((x): x is string => x !== null);
    const more = v.length > MAX_NAMED ? ` and ${v.length - MAX_NAMED} more` : '';
    return shown.length ? shown.join(', ') + more : null;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const has = (k: string) => Object.hasOwn(o, k);
    // A long member list, stored by count: memberChange in audit/audit-trail.ts.
    if (has('count') && has('ids') && typeof o.count === 'number') {
      const ids = Array.isArray(o.ids) ? o.ids : [];
      return `${valueInWords(ids.slice(0, MAX_NAMED), type, names, depth + 1) ?? ''} and ${o.count - Math.min(ids.length, MAX_NAMED)} more`.trim();
    }
    // A multi-valued attribute's value: `{value, type, primary}`, `{value, display}`.
    if (has('value') || has('display')) {
      const main = typeof o.display === 'string' && o.display ? o.display : valueInWords(o.value, type, names, depth + 1);
      const kind = typeof o.type === 'string' && o.type ? ` (${o.type}${o.primary === true ? ', primary' : ''})` : o.primary === true ? ' (primary)' : '';
      return main === null ? null : main + kind;
    }
    const parts: string[] = [];
    for (const [k, x] of Object.entries(o).slice(0, MAX_FACTS)) {
      const w = valueInWords(x, undefined, names, depth + 1);
      if (w !== null) parts.push(`${humanise(k)}: ${w}`);
    }
    return parts.length ? parts.join('; ') : null;
  }
  return String(v);
}

/** The ids of people an event's changes name (managers, members), for the caller to look up once. */
export function referencedIds(changes: readonly FieldChange[], ctx: Omit<WordsContext, 'names'>): string[] {
  const refFields = new Set(ctx.fields.filter((f) => f.type === 'reference').map((f) => `${ROSTER}${f.key}`));
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) for (const x of v.slice(0, MAX_NAMED)) add(x);
    else if (v && typeof v === 'object' && Object.hasOwn(v, 'ids')) add((v as { ids: unknown }).ids);
  };
  for (const c of changes) {
    const lc = c.field.toLowerCase();
    if (refFields.has(c.field) || lc.endsWith(':manager.value') || lc === 'members') {
      add(c.before);
      add(c.after);
    }
  }
  return [...out];
}

/**
 * One change per roster field, labelled as the list labels it: a roster change absorbs the SCIM
 * changes its mapping reads; a SCIM change no roster field stands for keeps a plain label of
 * its own. Ordered as the list orders its fields, then the rest as stored.
 */
export function changesInWords(changes: readonly FieldChange[], ctx: WordsContext): ChangeInWords[] {
  const fieldByKey = new Map(ctx.fields.map((f, i) => [f.key, { field: f, position: i }]));
  const sources = sourcesByField(ctx.mapping);
  const scim = changes.filter((c) => !c.field.startsWith(ROSTER));
  const consumed = new Set<FieldChange>();
  const rows: { position: number; order: number; change: ChangeInWords }[] = [];
  let order = 0;

  const claim = (key: string): FieldChange[] => {
    const src = sources.get(key);
    const f = fieldByKey.get(key)?.field;
    if (!src) return [];
    return scim.filter((c) => {
      if (consumed.has(c)) return false;
      const lc = c.field.toLowerCase();
      // A reference stands for its whole complex value: manager.value and manager.displayName.
      const hit = src.keys.has(lc) || (f?.type === 'reference' && [...src.complex].some((p) => lc.startsWith(p)));
      if (hit) consumed.add(c);
      return hit;
    });
  };

  for (const c of changes) {
    if (!c.field.startsWith(ROSTER)) continue;
    const key = c.field.slice(ROSTER.length);
    const known = fieldByKey.get(key);
    const type = known?.field.type;
    const absorbed = claim(key);
    rows.push({
      position: known?.position ?? Number.MAX_SAFE_INTEGER, order: order++,
      change: {
        label: known?.field.label ?? humanise(key), field: key,
        before: valueInWords(c.before, type, ctx.names), after: valueInWords(c.after, type, ctx.names),
        paths: [...absorbed.map((a) => a.field), c.field],
      },
    });
  }
  // A SCIM change whose roster field did not change (the transform gave the same value) still
  // happened: it is shown under the field's label, with the values as the IdP sent them.
  for (const [key, { field, position }] of fieldByKey) {
    const absorbed = claim(key);
    if (!absorbed.length) continue;
    const one = absorbed.length === 1 ? absorbed[0]! : undefined;
    rows.push({
      position, order: order++,
      change: {
        label: field.label, field: key,
        before: one ? valueInWords(one.before, field.type, ctx.names) : valueInWords(Object.fromEntries(absorbed.map((a) => [a.field, a.before])), undefined, ctx.names),
        after: one ? valueInWords(one.after, field.type, ctx.names) : valueInWords(Object.fromEntries(absorbed.map((a) => [a.field, a.after])), undefined, ctx.names),
        paths: absorbed.map((a) => a.field),
      },
    });
  }
  for (const c of scim) {
    if (consumed.has(c)) continue;
    const mapped = mappingInWords(c, fieldByKey);
    if (mapped) {
      for (const m of mapped) rows.push({ position: fieldByKey.get(m.field ?? '')?.position ?? Number.MAX_SAFE_INTEGER, order: order++, change: m });
      continue;
    }
    const { label, type } = plainLabel(c.field);
    const t = c.field.toLowerCase() === 'members' ? 'reference' : type;
    rows.push({
      position: Number.MAX_SAFE_INTEGER, order: order++,
      change: { label, field: null, before: valueInWords(c.before, t, ctx.names), after: valueInWords(c.after, t, ctx.names), paths: [c.field] },
    });
  }
  return rows.sort((a, b) => a.position - b.position || a.order - b.order).map((r) => r.change);
}

/**
 * A mapping change (stored as the whole mapping before and after) as what changed for each field:
 * "Mapping of Department: urn:…:department → urn:…:division (upper)".
 */
function mappingInWords(c: FieldChange, fields: ReadonlyMap<string, { field: RosterField }>): ChangeInWords[] | undefined {
  if (c.field !== 'mapping' || !Array.isArray(c.after) || (c.before !== null && !Array.isArray(c.before))) return undefined;
  const bySource = (entries: readonly unknown[]) => {
    const out = new Map<string, string[]>();
    for (const e of entries) {
      if (!e || typeof e !== 'object') continue;
      const m = e as Partial<MappingEntry>;
      if (typeof m.field !== 'string') continue;
      const from = m.transform === 'template' ? `template ${m.template ?? ''}` : `${m.source ?? ''}${m.transform && m.transform !== 'copy' ? ` (${m.transform})` : ''}`;
      out.set(m.field, [...(out.get(m.field) ?? []), from]);
    }
    return out;
  };
  if (c.before === null) return [{ label: 'Mapping', field: null, before: null, after: `${c.after.length} SCIM attributes mapped to roster fields`, paths: [c.field] }];
  const a = bySource(c.before as unknown[]), b = bySource(c.after);
  const out: ChangeInWords[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key)?.join(', ') ?? null, y = b.get(key)?.join(', ') ?? null;
    if (x === y) continue;
    out.push({ label: `Mapping of ${fields.get(key)?.field.label ?? humanise(key)}`, field: key, before: x, after: y, paths: [c.field] });
  }
  return out;
}

/** "Department: Emergency → Intensive Care"; "Phone: (empty) → 555 0100". */
export function changeSentence(c: ChangeInWords): string {
  return `${c.label}: ${c.before ?? '(empty)'} → ${c.after ?? '(empty)'}`;
}

const KINDS: ReadonlyMap<string, string> = new Map([['card', 'printed card'], ['apple_pass', 'Apple Wallet pass'], ['google_pass', 'Google Wallet pass']]);

const PHOTO_PROBLEMS: ReadonlyMap<string, string> = new Map([
  ['unreadable', 'not a photo that could be read'], ['too_small', 'too small'], ['bad_shape', 'an unusual shape for a portrait'],
  ['too_dark', 'too dark'], ['too_bright', 'too bright'], ['blurry', 'blurred'], ['no_face', 'no face found'],
  ['several_faces', 'more than one face'], ['face_too_small', 'the face is too small'], ['face_cut_off', 'the face is too close to the edge'],
]);

const SOURCES: ReadonlyMap<string, string> = new Map([
  ['admin', 'uploaded by an admin'], ['capture', 'a capture session'], ['self', 'the person, with their link'], ['entra', 'Microsoft Entra ID'],
  ['csv import', 'CSV import'],
]);

const GOOGLE_STATES: ReadonlyMap<string, string> = new Map([['ACTIVE', 'active'], ['EXPIRED', 'expired'], ['INACTIVE', 'inactive']]);

const ACTION_TITLES: ReadonlyMap<string, string> = new Map([
  ['person.created', 'Person created'], ['person.updated', 'Person updated'], ['person.deactivated', 'Person deactivated'],
  ['person.reactivated', 'Person reactivated'], ['person.deleted', 'Person deleted'],
  ['group.created', 'Group created'], ['group.updated', 'Group updated'], ['group.renamed', 'Group renamed'], ['group.deleted', 'Group deleted'],
  ['group.members_added', 'Members added'], ['group.members_removed', 'Members removed'],
  ['list.created', 'List created'], ['list.configured', 'List configured'], ['list.sync_method_changed', 'Sync method changed'],
  ['mapping.changed', 'Mapping changed'], ['token.created', 'Token created'], ['token.first_used', 'Token first used'], ['token.revoked', 'Token revoked'],
  ['admin.signed_in', 'Admin signed in'], ['provisioning.failed', 'Provisioning failed'],
  ['photo.link_created', 'Self-upload link sent'], ['photo.uploaded', 'Photo uploaded'], ['photo.upload_refused', 'Photo refused by the checks'],
  ['photo.approved', 'Photo approved'], ['photo.rejected', 'Photo rejected'],
  ['credential.issued', 'Credential issued'], ['credential.revoked', 'Credential revoked'], ['credential.suspended', 'Credential suspended'],
  ['credential.reinstated', 'Credential reinstated'], ['cards.printed', 'Cards printed'],
  ['credential.device_registered', 'Pass added to a phone'], ['credential.device_unregistered', 'Pass removed from a phone'],
  ['credential.pass_updated', 'Wallet pass updated'], ['credential.pass_pushed', 'Pass update pushed to the phone'], ['credential.push_failed', 'Pass update could not be pushed'],
  ['wallet.apple_configured', 'Apple Wallet set up'], ['wallet.apple_removed', 'Apple Wallet removed'],
  ['credential.google_object_created', 'Google Wallet pass created at Google'], ['credential.google_object_updated', 'Google Wallet pass updated at Google'],
  ['credential.google_update_failed', 'Google Wallet update failed'],
  ['google_wallet.configured', 'Google Wallet set up'], ['google_wallet.removed', 'Google Wallet removed'],
  ['wallet.branding_changed', 'Wallet pass colours and logo changed'], ['photo.capture_settings_changed', 'Capture session approval setting changed'],
  ['campaign.started', 'Photo campaign started'], ['campaign.invitations_sent', 'Photo invitations sent'], ['campaign.reminders_sent', 'Photo reminders sent'],
  ['campaign.finished', 'Photo campaign finished'], ['campaign.invitation_resent', 'Photo invitation sent again'], ['campaign.automatic_changed', 'Automatic photo invitations changed'],
]);

type Detail = Readonly<Record<string, unknown>> | null;

/** What an email to the person was, in the words of their history. */
const EMAIL_TITLES: ReadonlyMap<string, string> = new Map([
  ['photo_invitation', 'Photo invitation emailed'], ['photo_reminder', 'Photo reminder emailed'],
  ['wallet_pass', 'Wallet passes emailed'], ['card_ready', '"Your card is ready" emailed'],
]);

/** The event's title: "Credential revoked: printed card", "Google Wallet pass expired". */
export function eventTitle(action: string, detail: Detail): string {
  const d = detail ?? {};
  if (action === 'credential.google_object_updated' && typeof d.state === 'string') {
    return d.state === 'EXPIRED' ? 'Google Wallet pass expired' : d.state === 'ACTIVE' ? 'Google Wallet pass active' : `Google Wallet pass ${GOOGLE_STATES.get(d.state) ?? d.state}`;
  }
  if (action === 'email.queued' && typeof d.kind === 'string') return EMAIL_TITLES.get(d.kind) ?? 'Email queued';
  const title = ACTION_TITLES.get(action) ?? humanise(action.replace(/\./g, '_'));
  const kind = typeof d.kind === 'string' ? KINDS.get(d.kind) : undefined;
  return action.startsWith('credential.') && kind && !action.startsWith('credential.google') ? `${title}: ${kind}` : title;
}

/** Detail keys that name what the event already says (the holder) or nothing a reader needs. */
const SKIPPED = new Set(['personId', 'kind', 'people', 'campaignId', 'peopleWithoutEmail']);

const FACT_LABELS: ReadonlyMap<string, string> = new Map([
  ['reason', 'Reason'], ['jobId', 'Print job'], ['job', 'Job'], ['template', 'Template'], ['layout', 'Layout'], ['sides', 'Sides'],
  ['printed', 'Cards printed'], ['skipped', 'People skipped'], ['problems', 'Why'], ['source', 'Source'], ['attemptsLeft', 'Tries left'],
  ['expiresAt', 'Link expires'], ['attempts', 'Tries allowed'], ['consent', 'Consent asked'], ['photoId', 'Photo'],
  ['brightness', 'Brightness'], ['sharpness', 'Sharpness'], ['state', 'State at Google'], ['objectId', 'Google object'],
  ['classId', 'Google class'], ['content', 'Content'], ['devices', 'Phones'], ['device', 'Phone'], ['apnsId', 'APNs id'],
  ['status', 'Status'], ['final', 'Given up'], ['retryInSeconds', 'Next try in (seconds)'], ['retryInMs', 'Next try in (ms)'],
  ['error', 'Error'], ['httpStatus', 'HTTP status'], ['googleStatus', 'Google status'], ['row', 'CSV row'],
  ['method', 'Method'], ['path', 'Path'], ['scimType', 'SCIM error type'], ['detail', 'Detail'],
  ['to', 'Sent to'], ['messageId', 'Email'], ['apple', 'Apple Wallet link'], ['google', 'Google Wallet link'], ['issued', 'Passes issued for it'],
  ['cardReadyEmails', '"Card ready" emails'],
  ['campaign', 'Campaign'], ['who', 'Who'], ['linkHours', 'Links work for (hours)'], ['reminderDays', 'Reminder after (days)'], ['maxReminders', 'Reminders at most'],
  ['invited', 'Invitations sent'], ['withoutEmail', 'People without an email address'], ['reminded', 'Reminders sent'],
]);

/** An event's detail as labelled facts in words, at most 20. */
export function detailFacts(action: string, detail: Detail): Fact[] {
  if (!detail) return [];
  const out: Fact[] = [];
  const d = detail;
  if (typeof d.kind === 'string' && action.startsWith('credential.')) out.push({ label: 'Credential', text: KINDS.get(d.kind) ?? d.kind });
  for (const [k, v] of Object.entries(d)) {
    if (out.length >= MAX_FACTS) break;
    if (SKIPPED.has(k)) continue;
    let text: string | null;
    if (k === 'problems' && Array.isArray(v)) text = v.map((p) => (typeof p === 'string' ? PHOTO_PROBLEMS.get(p) ?? p : valueInWords(p))).join('; ');
    else if (k === 'source' && typeof v === 'string') text = SOURCES.get(v) ?? v;
    else if (k === 'state' && typeof v === 'string') text = GOOGLE_STATES.get(v) ?? v;
    else if (k === 'devices' && Array.isArray(v)) text = String(v.length);
    else if (k === 'issued' && Array.isArray(v)) text = v.map((x) => (typeof x === 'string' ? KINDS.get(x) ?? x : valueInWords(x))).join(', ');
    else if (k === 'final') text = v === true || v === 1 ? 'Yes' : 'No';
    else text = valueInWords(v);
    if (text !== null && text !== '') out.push({ label: FACT_LABELS.get(k) ?? humanise(k), text });
  }
  return out;
}
