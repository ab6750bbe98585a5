/**
 * Fuzzing the admin API's CSV import (POST /api/v1/lists/{id}/import, docs/roster.md): headers with
 * prototype keys, duplicates and hostile names; cells with NUL, lone surrogates, wrong types and
 * huge sizes; broken quoting; many rows. A dry run changes nothing, and neither does a refused file.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { handle, nastyKey, nastyString } from './arbitraries.js';
import { CLOSE_TIMEOUT_MS, PROPERTY_TIMEOUT_MS, adminHeaders, assertAuditVerifies, check, send, startFuzzServer, type FuzzServer } from './harness.js';

const FILE = 'test/fuzz/csv-import.test.ts';
let f: FuzzServer;
beforeAll(async () => { f = await startFuzzServer(); });
afterAll(() => f?.close(), CLOSE_TIMEOUT_MS);

const COLUMNS = ['work_email', 'Work email', 'first_name', 'Last name', 'last_name', 'department', 'active', 'job_title', 'employee_number'];

const column = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COLUMNS) }, { weight: 2, arbitrary: nastyKey });
/** A cell for a column: what belongs there (so rows are imported), or anything. */
const cell = (name: string) => fc.oneof(
  { weight: 4, arbitrary: name.toLowerCase().includes('email') ? handle.map((h) => `${h}@example.com`) : name === 'active' ? fc.constantFrom('true', 'false', 'TRUE', 'yes') : handle },
  { weight: 2, arbitrary: nastyString },
);

function quote(v: string, always: boolean): string {
  return always || /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

const csvFile = fc.record({
  columns: fc.array(column, { minLength: 1, maxLength: 6 }),
  uidFirst: fc.boolean(),
  rows: fc.integer({ min: 0, max: 8 }),
  repeat: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 3_000 }) }),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
  quoteAll: fc.boolean(),
  breakage: fc.constantFrom('none', 'none', 'none', 'unclosed', 'short-row', 'long-row', 'bare-quote'),
  seed: fc.nat(),
}).chain((spec) => {
  const cols = spec.uidFirst ? ['work_email', ...spec.columns] : spec.columns;
  return fc.tuple(fc.constant({ ...spec, cols }), fc.array(fc.tuple(...cols.map(cell)), { minLength: spec.rows, maxLength: spec.rows }));
}).map(([spec, rows]) => {
  const lines = [spec.cols.map((c) => quote(c, spec.quoteAll)).join(',')];
  for (let r = 0; r < spec.repeat; r++) {
    // Many rows are many people, not many megabytes: repeated rows keep their cells short.
    for (const row of rows) lines.push(row.map((v, i) => quote(spec.repeat > 1 ? (i === 0 ? `r${r}-${v.slice(0, 40)}` : v.slice(0, 40)) : v, spec.quoteAll)).join(','));
  }
  if (spec.breakage === 'unclosed') lines.push('"never closed,x');
  if (spec.breakage === 'short-row') lines.push('only');
  if (spec.breakage === 'long-row') lines.push(Array.from({ length: spec.cols.length + 3 }, () => 'x').join(','));
  if (spec.breakage === 'bare-quote') lines.push(`a"b${',x'.repeat(spec.cols.length - 1)}`);
  const text = (spec.bom ? '\ufeff' : '') + lines.join(spec.eol);
  const label = `csv(${spec.cols.length} columns [${spec.cols.map((c) => JSON.stringify(c).slice(0, 40)).join(', ')}], ${rows.length}×${spec.repeat} rows, eol ${JSON.stringify(spec.eol)}, bom ${spec.bom}, ${spec.breakage}; first rows ${JSON.stringify(lines.slice(1, 3).join('|').slice(0, 300))})`;
  return { text, [fc.toStringMethod]: () => label };
});

describe('CSV import', () => {
  it('never 5xx; a dry run or a refused file changes nothing; Object.prototype untouched; the audit chain verifies', async () => {
    await check(FILE, fc.asyncProperty(fc.array(fc.tuple(csvFile, fc.boolean()), { minLength: 1, maxLength: 3 }), async (imports) => {
      const created = await f.srv.muster.lists.createList({ name: 'Fuzz import', uid: 'email', org: 'Test organisation', syncMethod: 'none' });
      const id = created.list.id;
      for (const [file, dryRun] of imports) {
        await send(f, id, { method: 'POST', url: `${f.srv.origin}/api/v1/lists/${id}/import${dryRun ? '?dryRun=true' : ''}`, headers: adminHeaders(f, 'text/csv'), body: file.text }, { readOnly: dryRun });
      }
      await assertAuditVerifies(f, id);
    }), 40);
  }, PROPERTY_TIMEOUT_MS);
});
