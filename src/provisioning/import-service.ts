/**
 * CSV import for lists without a sync method: rows matched to people by the list's unique
 * identifier, values checked against their fields' types, a dry-run that shows what would change,
 * and a row-numbered report of bad rows (which are skipped whole: a row is applied entirely or not
 * at all). Lists fed by SCIM refuse imports: the IdP would overwrite them.
 */
import { randomUUID } from 'node:crypto';
import { CsvError, parseCsv } from '../roster/csv.js';
import { checkValue, type FieldValue } from '../roster/mapping.js';
import type { RosterField } from '../roster/fields.js';

import { USER_SCHEMA } from '../scim/schemas/index.js';
import type { MasterList, Store } from '../store/index.js';
import type { LifecycleListener } from './credential-service.js';
import type { AuditTrail, RequestMeta } from './audit-trail.js';
import { rosterChanges, RosterError, searchText } from './roster-service.js';
import { yieldToEventLoop } from './yield.js';
import { userNameKey } from '../scim/user-name.js';

export interface ImportReport {
  readonly dryRun: boolean;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly { readonly row: number; readonly column?: string; readonly value?: string; readonly problem: string }[];
}

const BATCH = 200;

/** Columns the roster export adds besides the fields. */
const EXPORT_ONLY = new Set(['id', 'sync_problems']);

export class ImportService {
  private lifecycle: LifecycleListener | undefined;

  constructor(private readonly store: Store, private readonly audit: AuditTrail) {}

  /** Deactivation by import revokes credentials in the same transaction, as SCIM's does (main.ts wires it). */
  onPersonLifecycle(listener: LifecycleListener): void {
    this.lifecycle = listener;
  }

  async importCsv(list: MasterList, text: string, dryRun: boolean, meta: RequestMeta): Promise<ImportReport> {
    if (list.syncMethod !== 'none') {
      throw new RosterError(409, 'list_synced', `this list is fed by ${list.syncMethod.toUpperCase()}: its IdP would overwrite imported values. Import into a list created with --sync none.`);
    }
    let rows: string[][];
    try {
      rows = parseCsv(text);
    } catch (err) {
      if (err instanceof CsvError) throw new RosterError(400, 'invalid_csv', err.message);
      throw err;
    }
    const [header, ...body] = rows;
    if (!header) throw new RosterError(400, 'invalid_csv', 'the file is empty: the first row must name the columns (field keys or labels)');
    const fields = await this.store.roster.fields(list.id);
    const uid = fields.find((f) => f.unique)!;
    const columns = header.map((h) => fields.find((f) => f.key === h.trim().toLowerCase() || f.label.toLowerCase() === h.trim().toLowerCase()));
    // The roster export's own columns (Muster's id, the count of sync problems) are read back as nothing:
    // an exported file can be edited and imported again as it is.
    const ignored = new Set(header.map((h, i) => (!columns[i] && EXPORT_ONLY.has(h.trim().toLowerCase()) ? i : -1)).filter((i) => i >= 0));
    const unknown = header.filter((_h, i) => !columns[i] && !ignored.has(i));
    /** Errors name a column as the file does; a column the file lacks, by the field's label. */
    const columnOf = (f: RosterField) => {
      const i = columns.indexOf(f);
      return i >= 0 ? header[i]!.trim() : f.label;
    };
    if (unknown.length) throw new RosterError(400, 'invalid_csv', `row 1: unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}; columns are field keys or labels: ${fields.map((f) => f.key).join(', ')}`);
    if (!columns.includes(uid)) throw new RosterError(400, 'invalid_csv', `row 1: the unique identifier column "${uid.key}" (${uid.label}) is missing`);

    const errors: ImportReport['errors'][number][] = [];
    const good: { row: number; values: Record<string, FieldValue> }[] = [];
    const seen = new Map<string, number>();
    body.forEach((cells, i) => {
      const rowNo = i + 2;
      const values: Record<string, FieldValue> = {};
      const badFields = new Set<string>();
      let bad = false;
      if (cells.length !== header.length) {
        errors.push({ row: rowNo, problem: `has ${cells.length} cells; the header has ${header.length}` });
        return;
      }
      cells.forEach((raw, c) => {
        if (ignored.has(c)) return;
        const field = columns[c]!;
        const checked = checkValue(field, raw.trim());
        if ('problem' in checked) {
          errors.push({ row: rowNo, column: header[c]!, value: raw, problem: checked.problem });
          badFields.add(field.key);
          bad = true;
        } else values[field.key] = checked.value;
      });
      for (const f of fields) if (f.required && !badFields.has(f.key) && (values[f.key] === null || values[f.key] === undefined) && columns.includes(f)) {
        errors.push({ row: rowNo, column: columnOf(f), problem: `${f.label} is required` });
        bad = true;
      }
      const id = values[uid.key];
      if (!bad && (id === null || id === undefined)) {
        errors.push({ row: rowNo, column: columnOf(uid), problem: `${uid.label} is required` });
        bad = true;
      }
      const idKey = String(id).toLowerCase();
      if (!bad && seen.has(idKey)) {
        errors.push({ row: rowNo, column: columnOf(uid), value: String(id), problem: `the same ${uid.label} is on row ${seen.get(idKey)}` });
        bad = true;
      }
      if (!bad) {
        seen.set(idKey, rowNo);
        good.push({ row: rowNo, values });
      }
    });

    let created = 0, updated = 0, unchanged = 0;
    for (let i = 0; i < good.length; i += BATCH) {
      const chunk = good.slice(i, i + BATCH);
      const run = async (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => {
        const existing = await tx.roster.peopleByUserName(list.id, chunk.map((g) => String(g.values[uid.key])));
        for (const g of chunk) {
          const userName = String(g.values[uid.key]);
          const prev = existing.get(userNameKey(userName));
          const fieldsNow = prev ? { ...prev.fields, ...g.values } : Object.fromEntries(fields.map((f) => [f.key, g.values[f.key] ?? null]));
          // A new person needs every required field, even one the file has no column for (a person
          // already on the list keeps the values the file leaves out).
          const missing = prev ? [] : fields.filter((f) => f.required && (fieldsNow[f.key] === null || fieldsNow[f.key] === undefined));
          if (missing.length) {
            for (const f of missing) errors.push({ row: g.row, column: columnOf(f), problem: `${f.label} is required for a new person, and the file has no value for it` });
            continue;
          }
          const changes = rosterChanges(prev?.fields ?? {}, fieldsNow).filter((c) => prev || c.after !== null);
          if (prev && changes.length === 0) {
            unchanged++;
            continue;
          }
          if (prev) updated++;
          else created++;
          if (dryRun) continue;
          const now = new Date().toISOString();
          const active = fieldsNow.active !== false;
          const id = prev?.id ?? randomUUID();
          const derived = {
            fields: JSON.stringify(fieldsNow), problems: '[]', problemCount: 0, mappingVersion: list.mappingVersion,
            search: searchText(userName, fieldsNow),
          };
          const wasActive = prev ? prev.fields.active !== false : true;
          const action = !prev ? 'person.created' : wasActive && !active ? 'person.deactivated' : !wasActive && active ? 'person.reactivated' : 'person.updated';
          const lastOp = JSON.stringify({ action, time: now, idp: null, requestId: meta.requestId ?? null, source: 'csv import' });
          const write = {
            id, listId: list.id, userName, externalId: null, externalIdUnique: list.externalIdUnique, displayName: null, employeeNumber: null,
            active, emails: [], data: { schemas: [USER_SCHEMA], userName, active }, version: (prev?.version ?? 0) + 1,
            created: prev?.created ?? now, lastModified: now, derived, lastOp,
          };
          if (prev) await tx.users.update(write, prev.version, false);
          else await tx.users.insert(write);
          await this.audit.record(tx, list.id, { action, target: { type: 'person', id, name: userName }, changes, detail: { source: 'csv import', row: g.row } }, meta);
          if (action !== 'person.created') await this.lifecycle?.(tx, list.id, id, action, meta);
        }
      };
      await this.store.transaction(run);
      await yieldToEventLoop();
    }
    errors.sort((a, b) => a.row - b.row);
    return { dryRun, rows: body.length, created, updated, unchanged, errors };
  }
}


