/**
 * CSV import for lists without a sync method: rows matched to people by the list's unique
 * identifier, values checked against their fields' types, a dry-run that shows what would change,
 * and a row-numbered report of bad rows (which are skipped whole: a row is applied entirely or not
 * at all). Lists fed by SCIM refuse imports: the IdP would overwrite them.
 */
import { CsvError, CsvParser, decodeCsv, textProblem } from '../roster/csv.js';
import { checkValue, type FieldValue } from '../roster/mapping.js';
import type { RosterField } from '../roster/fields.js';

import type { MasterList, Repos, Store } from '../store/index.js';
import { isLifecycleAction, type PersonLifecycle } from '../credentials/credential-service.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { importedDocument, rosterChanges, storedFields } from '../roster/derivation.js';
import { RosterError } from './roster-service.js';
import { yieldToEventLoop } from '../runtime/turns.js';
// A unique index refusing a row answers 409 uniqueness in the admin API, as it always has.
import { scimWrite } from './store-errors.js';
import { userNameKey } from '../scim/user-name.js';
import { newId } from '../runtime/ids.js';

export interface ImportReport {
  readonly dryRun: boolean;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly ImportError[];
}

type ImportError = { readonly row: number; readonly column?: string; readonly value?: string; readonly problem: string };

const BATCH = 200;

/** Tries of one batch whose read went stale (see applyBatch) before the import gives up. */
const MAX_ATTEMPTS = 3;

/** Columns the roster export adds besides the fields. */
const EXPORT_ONLY = new Set(['id', 'sync_problems']);

/** Names that would reach an object's prototype if they ever became keys: refused as column names. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

interface GoodRow {
  readonly row: number;
  readonly values: Record<string, FieldValue>;
}

interface Columns {
  readonly fields: readonly RosterField[];
  readonly uid: RosterField;
  readonly columnOf: (f: RosterField) => string;
}

interface BatchResult {
  created: number;
  updated: number;
  unchanged: number;
  readonly errors: ImportError[];
}

/** A conditional update by version touched no row: what this batch read is stale, so it is rolled back and read again. */
class StaleRead extends Error {}

/** Rows checked between turns of the event loop (about 10 ms of work each on this project's 2-core machine). */
const CHECK_STEP = 1_000;

/** Bytes decoded, and rows parsed, between turns of the event loop (a 50 MB file is hundreds of ms of work in one go). */
const DECODE_STEP = 1_048_576;
const PARSE_STEP = 2_000;

/** The file as UTF-8 text, decoded a megabyte at a time; bytes that are not UTF-8 are refused naming the line (decodeCsv). */
async function decodeInSteps(bytes: Uint8Array): Promise<string> {
  if (bytes.length <= DECODE_STEP) return decodeCsv(bytes);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const parts: string[] = [];
  try {
    for (let at = 0; at < bytes.length; at += DECODE_STEP) {
      if (at > 0) await yieldToEventLoop();
      parts.push(utf8.decode(bytes.subarray(at, at + DECODE_STEP), { stream: at + DECODE_STEP < bytes.length }));
    }
  } catch {
    return decodeCsv(bytes); // throws the CsvError that names the line
  }
  return parts.join('');
}

/** Every row of the file, PARSE_STEP rows between turns of the event loop. */
async function readCsv(text: string): Promise<string[][]> {
  const parser = new CsvParser(text);
  const rows: string[][] = [];
  while (!parser.done) {
    for (const r of parser.rows(PARSE_STEP)) rows.push(r);
    if (!parser.done) await yieldToEventLoop();
  }
  return rows;
}

export class ImportService {
  /** `lifecycle`: deactivation by import revokes credentials in the same transaction, as SCIM's does. */
  constructor(private readonly store: Store, private readonly audit: AuditTrail, private readonly lifecycle?: PersonLifecycle) {}

  /** `input`: the file as sent (bytes, refused unless UTF-8), or as text already decoded. */
  async importCsv(list: MasterList, input: string | Uint8Array, dryRun: boolean, meta: RequestMeta): Promise<ImportReport> {
    if (list.syncMethod !== 'none') {
      throw new RosterError(409, 'list_synced', `this list is fed by ${list.syncMethod.toUpperCase()}: its IdP would overwrite imported values. Import into a list created with --sync none.`);
    }
    let rows: string[][];
    try {
      rows = await readCsv(typeof input === 'string' ? input : await decodeInSteps(input));
    } catch (err) {
      if (err instanceof CsvError) throw new RosterError(400, 'invalid_csv', err.message);
      throw err;
    }
    const [header, ...body] = rows;
    if (!header) throw new RosterError(400, 'invalid_csv', 'the file is empty: the first row must name the columns (field keys or labels)');
    const fields = await this.store.roster.fields(list.id);
    const uid = fields.find((f) => f.unique)!;
    const names = header.map((h) => h.trim().toLowerCase());
    header.forEach((h, i) => {
      const problem = textProblem(h);
      if (problem) throw new RosterError(400, 'invalid_csv', `row 1: the name of column ${i + 1} ${problem}`);
      if (RESERVED_NAMES.has(names[i]!)) throw new RosterError(400, 'invalid_csv', `row 1: "${h.trim()}" cannot name a column; columns are field keys or labels: ${fields.map((f) => f.key).join(', ')}`);
    });
    const columns = names.map((n) => fields.find((f) => f.key === n || f.label.toLowerCase() === n));
    // The roster export's own columns (Muster's id, the count of sync problems) are read back as nothing:
    // an exported file can be edited and imported again as it is.
    const ignored = new Set(names.map((n, i) => (!columns[i] && EXPORT_ONLY.has(n) ? i : -1)).filter((i) => i >= 0));
    const unknown = header.filter((_h, i) => !columns[i] && !ignored.has(i));
    /** Errors name a column as the file does; a column the file lacks, by the field's label. */
    const columnOf = (f: RosterField) => {
      const i = columns.indexOf(f);
      return i >= 0 ? header[i]!.trim() : f.label;
    };
    if (unknown.length) throw new RosterError(400, 'invalid_csv', `row 1: unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}; columns are field keys or labels: ${fields.map((f) => f.key).join(', ')}`);
    // Two columns for one field (its key and its label, or one name twice): which value wins would be
    // a guess, so the file is refused rather than the last column silently used.
    const firstOf = new Map<string, number>();
    header.forEach((h, i) => {
      const target = columns[i]?.key ?? names[i]!;
      const first = firstOf.get(target);
      if (first === undefined) return void firstOf.set(target, i);
      const what = columns[i] ? `the field "${target}"` : `Muster's own column "${target}"`;
      throw new RosterError(400, 'invalid_csv', `row 1: columns ${first + 1} ("${header[first]!.trim()}") and ${i + 1} ("${h.trim()}") both name ${what}; keep one of them`);
    });
    if (!columns.includes(uid)) throw new RosterError(400, 'invalid_csv', `row 1: the unique identifier column "${uid.key}" (${uid.label}) is missing`);

    const errors: ImportError[] = [];
    const good: GoodRow[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < body.length; i++) {
      // Checking a large file is many small steps: the loop gets a turn every CHECK_STEP rows.
      if (i > 0 && i % CHECK_STEP === 0) await yieldToEventLoop();
      const cells = body[i]!;
      const rowNo = i + 2;
      // Keys are field keys only, but a dictionary built from a file has no prototype to reach.
      const values: Record<string, FieldValue> = Object.create(null) as Record<string, FieldValue>;
      const badFields = new Set<string>();
      let bad = false;
      if (cells.length !== header.length) {
        errors.push({ row: rowNo, problem: `has ${cells.length} cells; the header has ${header.length}` });
        continue;
      }
      cells.forEach((raw, c) => {
        if (ignored.has(c)) return;
        const field = columns[c]!;
        const problem = textProblem(raw);
        const checked = problem ? { problem: `the value ${problem}` } : checkValue(field, raw.trim());
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
      const idKey = userNameKey(String(id));
      if (!bad && seen.has(idKey)) {
        errors.push({ row: rowNo, column: columnOf(uid), value: String(id), problem: `the same ${uid.label} is on row ${seen.get(idKey)}` });
        bad = true;
      }
      if (!bad) {
        seen.set(idKey, rowNo);
        good.push({ row: rowNo, values });
      }
    }

    let created = 0, updated = 0, unchanged = 0;
    const cols: Columns = { fields, uid, columnOf };
    for (let i = 0; i < good.length; i += BATCH) {
      const chunk = good.slice(i, i + BATCH);
      // A dry run writes nothing, so it reads without the lock; a real batch is one transaction.
      const r = dryRun ? await this.applyBatch(this.store, list, chunk, cols, true, meta) : await this.writeBatch(list, chunk, cols, meta);
      created += r.created;
      updated += r.updated;
      unchanged += r.unchanged;
      errors.push(...r.errors);
      await yieldToEventLoop();
    }
    errors.sort((a, b) => a.row - b.row);
    return { dryRun, rows: body.length, created, updated, unchanged, errors };
  }

  /**
   * One batch in one transaction, tried again from a fresh read when what it read went stale (a
   * conditional update touched no row) or PostgreSQL aborted it as a deadlock or serialization
   * failure. Nothing of a failed try stays: its writes and audit events roll back together.
   */
  private async writeBatch(list: MasterList, chunk: readonly GoodRow[], cols: Columns, meta: RequestMeta): Promise<BatchResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction((tx) => this.applyBatch(tx, list, chunk, cols, false, meta));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!(err instanceof StaleRead) && code !== '40P01' && code !== '40001') throw err;
        if (attempt >= MAX_ATTEMPTS) {
          throw new RosterError(409, 'import_conflict', `people of rows ${chunk[0]!.row}–${chunk[chunk.length - 1]!.row} kept changing while they were imported, so those rows and the ones after them were not applied (the rows before them were); import the file again`);
        }
      }
    }
  }

  /**
   * Matches a batch of rows to the people they name and writes the differences. The list's lock
   * is taken before anything is read (PostgreSQL; SQLite transactions are serialised anyway): two
   * imports, or an import and a SCIM write, of the same people then apply one after the other, each
   * to what the other wrote, and every audit event describes a write that happened. Without it
   * both read the same versions, the later update matched no row, and its event was recorded anyway.
   */
  private async applyBatch(db: Repos, list: MasterList, chunk: readonly GoodRow[], cols: Columns, dryRun: boolean, meta: RequestMeta): Promise<BatchResult> {
    const { fields, uid, columnOf } = cols;
    if (!dryRun) await db.audit.chain(list.id, true);
    const r: BatchResult = { created: 0, updated: 0, unchanged: 0, errors: [] };
    const existing = await db.roster.peopleByUserName(list.id, chunk.map((g) => String(g.values[uid.key])));
    let slots = dryRun ? undefined : await db.roster.slots(list.id);
    for (const g of chunk) {
      const userName = String(g.values[uid.key]);
      const prev = existing.get(userNameKey(userName));
      const fieldsNow = prev ? { ...prev.fields, ...g.values } : Object.fromEntries(fields.map((f) => [f.key, g.values[f.key] ?? null]));
      // A new person needs every required field, even one the file has no column for (a person
      // already on the list keeps the values the file leaves out).
      const missing = prev ? [] : fields.filter((f) => f.required && (fieldsNow[f.key] === null || fieldsNow[f.key] === undefined));
      if (missing.length) {
        for (const f of missing) r.errors.push({ row: g.row, column: columnOf(f), problem: `${f.label} is required for a new person, and the file has no value for it` });
        continue;
      }
      const changes = rosterChanges(prev?.fields ?? {}, fieldsNow).filter((c) => prev || c.after !== null);
      if (prev && changes.length === 0) {
        r.unchanged++;
        continue;
      }
      if (prev) r.updated++;
      else r.created++;
      if (dryRun) continue;
      const now = new Date().toISOString();
      const active = fieldsNow.active !== false;
      const id = prev?.id ?? newId();
      // A value kept from before under a key the list no longer has, and without a slot, gets one.
      slots = await db.roster.slotsFor(list.id, fieldsNow, slots!);
      const derived = { fields: storedFields(fieldsNow, slots), problems: '[]', problemCount: 0, mappingVersion: list.mappingVersion };
      const wasActive = prev ? prev.fields.active !== false : true;
      const action = !prev ? 'person.created' : wasActive && !active ? 'person.deactivated' : !wasActive && active ? 'person.reactivated' : 'person.updated';
      const write = {
        id, listId: list.id, userName, externalId: null, externalIdUnique: list.externalIdUnique, displayName: null, employeeNumber: null,
        active, emails: [], data: importedDocument(userName, active), version: (prev?.version ?? 0) + 1,
        created: prev?.created ?? now, lastModified: now, derived,
      };
      // Under the lock no other writer moves a version on, but if one ever does, nothing is recorded
      // for a write that did not happen: the batch rolls back and is read again.
      if (prev) {
        if (!(await scimWrite(db.users.update(write, prev.version, false)))) throw new StaleRead();
      } else await scimWrite(db.users.insert(write));
      await this.audit.record(db, list.id, { action, target: { type: 'person', id, name: userName }, changes, detail: { source: 'csv import', row: g.row } }, meta);
      if (isLifecycleAction(action)) await this.lifecycle?.onPersonLifecycle(db, list.id, id, action, meta);
    }
    return r;
  }
}
