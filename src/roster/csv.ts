/**
 * RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF line ends, a leading BOM. Pure.
 */
export class CsvError extends Error {
  constructor(readonly row: number, message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/** Rows of cells. Empty lines are skipped; a quote left open is an error naming its row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  const s = text.replace(/^\uFEFF/, '');
  const endRow = () => {
    row.push(cell);
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    cell = '';
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      endRow();
      line++;
      rowStart = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new CsvError(rowStart, `row ${rowStart}: a quoted value is never closed`);
  if (cell !== '' || row.length) endRow();
  return rows;
}

/**
 * One CSV line (RFC 4180 quoting, CRLF). A cell a spreadsheet would run as a formula (`=`, `+`,
 * `-`, `@`, tab, CR first) is prefixed with `'` (CSV injection).
 */
export function csvRow(values: readonly unknown[]): string {
  return values.map((v) => {
    const s = v === null || v === undefined ? '' : String(v);
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  }).join(',') + '\r\n';
}
