/**
 * RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF line ends, a leading BOM. Pure.
 */
export class CsvError extends Error {
  constructor(readonly row: number, message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/**
 * The file's bytes as text. Bytes that are not UTF-8 are refused, naming the line, rather than read
 * as U+FFFD: a name silently changed on import is worse than a file refused (a spreadsheet saved as
 * "CSV" in a legacy code page is the usual cause). A leading BOM is dropped.
 */
export function decodeCsv(bytes: Uint8Array): string {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    return utf8.decode(bytes);
  } catch {
    // Only on failure: find the line. A line feed byte is never part of a multi-byte UTF-8 sequence.
    let line = 1;
    for (let start = 0; start <= bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        utf8.decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      start = end + 1;
      line++;
    }
    throw new CsvError(line, `line ${line}: the file is not UTF-8 text; save it as "CSV UTF-8" (or re-encode it as UTF-8) and import it again`);
  }
}

/**
 * Why a cell cannot be stored as it is, if it cannot: a NUL character (PostgreSQL text refuses it)
 * or a lone surrogate (not well-formed Unicode: it would be stored as U+FFFD and break the audit
 * chain's hashes). Such text is refused, never repaired.
 */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (!s.isWellFormed()) return 'is not well-formed Unicode text (it has a lone surrogate)';
  return undefined;
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
