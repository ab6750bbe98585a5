/**
 * Each list's roster schema and mapping: the default set-up, admin changes (each change of the
 * mapping re-derives every person as a background job), derived fields for SCIM writes, and the
 * roster itself. The derivation rules are pure (roster/mapping.ts); this file stores and caches.
 */
import { randomUUID } from 'node:crypto';
import { ScimError } from '../scim/errors.js';
import { defaultSchema, FIELD_KEY, FIELD_TYPES, TRANSFORMS, type MappingEntry, type RosterField, type UidChoice } from '../roster/fields.js';
import { parseSource } from '../roster/mapping.js';
import type { ListSchema } from '../roster/derivation.js';
import { isReservedName } from '../scim/input-guard.js';
import { csvRow } from '../roster/csv.js';
import type { FieldChange } from '../roster/audit.js';
import type { MasterList, Repos, Store } from '../store/index.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';

export class RosterError extends Error {
  constructor(readonly status: 400 | 404 | 409, readonly code: string, message: string) {
    super(message);
    this.name = 'RosterError';
  }
}

// The pure derivation rules live in roster/derivation.ts; re-exported for the callers that know them here.
export { derivedColumns, rosterChanges, type DerivedColumns, type ListSchema } from '../roster/derivation.js';

export const REDERIVE_JOB = 'rederive';

/**
 * The list's lock, taken before the fields or mapping are read: two changes at once (from two
 * nodes too) then apply one after the other, each to what the other wrote, instead of both
 * replacing the fields read before the other committed (a field lost, an audit "before" that was
 * already gone). The same lock order as SCIM writes and jobs, so no deadlock.
 */
const lockList = (tx: Repos, listId: string) => tx.audit.chain(listId, true);

function validateField(f: unknown): RosterField {
  const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
  if (typeof o.key !== 'string' || !FIELD_KEY.test(o.key)) throw new RosterError(400, 'invalid_field', 'key must be lower-case letters, digits and underscores, starting with a letter (e.g. badge_colour)');
  if (isReservedName(o.key)) throw new RosterError(400, 'invalid_field', `"${o.key}" cannot be a field key: constructor and prototype are refused as names (they would reach Object.prototype)`);
  if (typeof o.label !== 'string' || !o.label.trim()) throw new RosterError(400, 'invalid_field', `field "${o.key}" needs a label`);
  if (!FIELD_TYPES.includes(o.type as never)) throw new RosterError(400, 'invalid_field', `field "${o.key}": type must be one of ${FIELD_TYPES.join(', ')}`);
  let options: string[] | undefined;
  if (o.type === 'dropdown') {
    if (!Array.isArray(o.options) || !o.options.length || o.options.some((x) => typeof x !== 'string' || !x.trim())) {
      throw new RosterError(400, 'invalid_field', `dropdown field "${o.key}" needs a non-empty list of options`);
    }
    options = o.options as string[];
  }
  return { key: o.key, label: o.label.trim(), type: o.type as RosterField['type'], required: o.required === true, unique: false, ...(options ? { options } : {}) };
}

export function validateMapping(entries: unknown, fields: readonly RosterField[]): MappingEntry[] {
  if (!Array.isArray(entries)) throw new RosterError(400, 'invalid_mapping', 'send {"entries": [{"source": "title", "field": "job_title", "transform": "copy"}, …]}');
  return entries.map((e, i) => {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    const where = `entry ${i + 1}`;
    if (typeof o.field !== 'string' || !fields.some((f) => f.key === o.field)) throw new RosterError(400, 'invalid_mapping', `${where}: field "${String(o.field)}" is not a field of this list`);
    const transform = (o.transform ?? 'copy') as MappingEntry['transform'];
    if (!TRANSFORMS.includes(transform)) throw new RosterError(400, 'invalid_mapping', `${where}: transform must be one of ${TRANSFORMS.join(', ')}`);
    if (transform === 'template') {
      if (typeof o.template !== 'string' || !/\{[^{}]+\}/.test(o.template)) throw new RosterError(400, 'invalid_mapping', `${where}: a template needs a text with {scim.path} parts, e.g. "{name.givenName} {name.familyName}"`);
      for (const m of o.template.matchAll(/\{([^{}]+)\}/g)) checkSource(m[1]!.trim(), where);
      return { source: typeof o.source === 'string' ? o.source : '', field: o.field, transform, template: o.template };
    }
    if (typeof o.source !== 'string' || !o.source.trim()) throw new RosterError(400, 'invalid_mapping', `${where}: source must be a SCIM attribute path such as "name.givenName"`);
    checkSource(o.source.trim(), where);
    return { source: o.source.trim(), field: o.field, transform };
  });
}

function checkSource(source: string, where: string): void {
  try {
    parseSource(source);
  } catch (err) {
    throw new RosterError(400, 'invalid_mapping', `${where}: "${source}" is not a SCIM attribute path: ${err instanceof ScimError ? err.detail : String(err)}`);
  }
}

export class RosterService {
  private readonly cache = new Map<string, ListSchema>();

  constructor(private readonly store: Store, private readonly audit: AuditTrail, private readonly now: () => string = () => new Date().toISOString()) {}

  /** Default schema and mapping for a list that turns on SCIM provisioning (in the caller's transaction). */
  async setUpDefault(tx: Repos, list: MasterList, meta: RequestMeta): Promise<void> {
    const { fields, mapping } = defaultSchema(list.uidAttribute as UidChoice);
    await tx.roster.replaceFields(list.id, fields);
    await tx.roster.replaceMapping(list.id, mapping);
    await tx.lists.setUidRequiredImplied(list.id, true); // the default schema's identifier is required because it is the identifier
    await this.audit.record(tx, list.id, {
      action: 'mapping.changed', target: { type: 'list', id: list.id, name: list.name },
      changes: [{ field: 'mapping', before: null, after: mapping }, { field: 'fields', before: null, after: fields.map((f) => f.key) }],
      detail: { reason: 'default schema for SCIM provisioning', uniqueField: fields.find((f) => f.unique)?.key },
    }, meta);
  }

  /** The schema a list's SCIM writes derive fields with, cached by mapping version. */
  async schema(listId: string, version?: number, db: Repos = this.store): Promise<ListSchema> {
    const v = version ?? (await db.roster.mappingVersion(listId));
    const hit = this.cache.get(listId);
    if (hit && hit.version === v) return hit;
    const s: ListSchema = { version: v, fields: await db.roster.fields(listId), mapping: await db.roster.mapping(listId), slots: await db.roster.slots(listId) };
    this.cache.set(listId, s);
    return s;
  }

  async addField(list: MasterList, input: unknown, meta: RequestMeta): Promise<{ field: RosterField; jobId: string }> {
    const field = validateField(input);
    return this.store.transaction(async (tx) => {
      await lockList(tx, list.id);
      const fields = await tx.roster.fields(list.id);
      if (fields.some((f) => f.key === field.key)) throw new RosterError(409, 'field_exists', `the list already has a field "${field.key}" (keys never change; pick another)`);
      await tx.roster.replaceFields(list.id, [...fields, field]);
      const jobId = await this.enqueueRederive(tx, list, meta, [{ field: `fields.${field.key}`, before: null, after: field }]);
      return { field, jobId };
    });
  }

  async updateField(list: MasterList, key: string, input: Record<string, unknown>, meta: RequestMeta): Promise<{ field: RosterField; jobId: string }> {
    return this.store.transaction(async (tx) => {
      await lockList(tx, list.id);
      const fields = await tx.roster.fields(list.id);
      const old = fields.find((f) => f.key === key);
      if (!old) throw new RosterError(404, 'not_found', `no field "${key}" on this list`);
      if (input.key !== undefined && input.key !== key) throw new RosterError(400, 'invalid_field', 'a field\'s key never changes; change its label instead');
      if (input.type !== undefined && input.type !== old.type && old.unique) throw new RosterError(400, 'invalid_field', 'the unique identifier\'s type cannot change');
      const next = validateField({ ...old, ...input, key });
      const field: RosterField = { ...next, unique: old.unique, required: old.unique ? true : next.required };
      await tx.roster.replaceFields(list.id, fields.map((f) => (f.key === key ? field : f)));
      const jobId = await this.enqueueRederive(tx, list, meta, [{ field: `fields.${key}`, before: old, after: field }]);
      return { field, jobId };
    });
  }

  async removeField(list: MasterList, key: string, meta: RequestMeta): Promise<{ jobId: string }> {
    return this.store.transaction(async (tx) => {
      await lockList(tx, list.id);
      const fields = await tx.roster.fields(list.id);
      const old = fields.find((f) => f.key === key);
      if (!old) throw new RosterError(404, 'not_found', `no field "${key}" on this list`);
      if (old.unique) throw new RosterError(400, 'unique_field', `"${key}" is the list's unique identifier and cannot be removed`);
      await tx.roster.replaceFields(list.id, fields.filter((f) => f.key !== key));
      const mapping = (await tx.roster.mapping(list.id)).filter((m) => m.field !== key);
      await tx.roster.replaceMapping(list.id, mapping);
      const jobId = await this.enqueueRederive(tx, list, meta, [{ field: `fields.${key}`, before: old, after: null }]);
      return { jobId };
    });
  }

  /** Replaces the mapping; every person is re-derived by a background job whose id is returned. */
  async replaceMapping(list: MasterList, entries: unknown, meta: RequestMeta): Promise<{ mapping: MappingEntry[]; jobId: string }> {
    return this.store.transaction(async (tx) => {
      await lockList(tx, list.id);
      const fields = await tx.roster.fields(list.id);
      const mapping = validateMapping(entries, fields);
      const uid = fields.find((f) => f.unique);
      if (uid && !mapping.some((m) => m.field === uid.key)) {
        throw new RosterError(400, 'invalid_mapping', `the unique identifier "${uid.key}" must stay mapped to a SCIM attribute`);
      }
      const before = await tx.roster.mapping(list.id);
      await tx.roster.replaceMapping(list.id, mapping);
      const jobId = await this.enqueueRederive(tx, list, meta, [{ field: 'mapping', before, after: mapping }]);
      return { mapping, jobId };
    });
  }

  validateMapping(entries: unknown, fields: readonly RosterField[]): MappingEntry[] {
    return validateMapping(entries, fields);
  }

  /** The roster as CSV, every field, streamed in keyset batches (any size, flat memory). */
  exportCsv(listId: string, fields: readonly RosterField[], batch = 1000): ReadableStream<Uint8Array> {
    const enc = new TextEncoder();
    let cursor = 0;
    let started = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        // `active` once: as a roster field when the list has one, else as Muster's own column.
        const ownActive = !fields.some((f) => f.key === 'active');
        let text = started ? '' : csvRow(['id', ...(ownActive ? ['active'] : []), 'sync_problems', ...fields.map((f) => f.key)]);
        started = true;
        const rows = await this.store.roster.usersAfter(listId, cursor, batch);
        for (const r of rows) {
          const active = r.data.active !== false;
          text += csvRow([r.id, ...(ownActive ? [active] : []), r.problems.length, ...fields.map((f) => r.fields[f.key])]);
        }
        if (text) controller.enqueue(enc.encode(text));
        if (rows.length < batch) controller.close();
        else cursor = rows[rows.length - 1]!.seq;
      },
    }, { highWaterMark: 1 });
  }

  private async enqueueRederive(tx: Repos, list: MasterList, meta: RequestMeta, changes: FieldChange[]): Promise<string> {
    await tx.roster.bumpMappingVersion(list.id);
    const id = randomUUID();
    const now = this.now();
    const total = await tx.users.count({ listId: list.id });
    await tx.roster.enqueue({ id, listId: list.id, kind: REDERIVE_JOB, params: {}, total, now });
    await tx.roster.supersede(list.id, REDERIVE_JOB, id, now);
    await this.audit.record(tx, list.id, { action: 'mapping.changed', target: { type: 'list', id: list.id, name: list.name }, changes, detail: { job: id } }, meta);
    return id;
  }
}
