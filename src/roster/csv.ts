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
  return new CsvParser(text).rows();
}

/** What ends a run of plain characters outside quotes. */
const SPECIAL = /[,\r\n"]/g;

/**
 * The same parser, a number of rows at a time, so that a caller can give the event loop a turn
 * between steps of a large file. Runs of plain characters are copied as slices (found with a
 * regular expression, or indexOf inside quotes), never character by character: a 1 MB file
 * took 320 ms character by character, a few ms this way.
 */
export class CsvParser {
  private readonly s: string;
  private i = 0;
  private line = 1;

  constructor(text: string) {
    this.s = text.replace(/^\uFEFF/, '');
  }

  get done(): boolean {
    return this.i >= this.s.length;
  }

  /** Up to `max` more rows (fewer at the end of the file). */
  rows(max = Infinity): string[][] {
    const out: string[][] = [];
    while (out.length < max && !this.done) {
      const row = this.row();
      if (row && !(row.length === 1 && row[0] === '')) out.push(row);
    }
    return out;
  }

  /** One row from the current position; undefined for nothing left. */
  private row(): string[] | undefined {
    const s = this.s, n = s.length;
    const rowStart = this.line;
    const row: string[] = [];
    let cell = '';
    let quoted = false;
    let i = this.i;
    for (;;) {
      if (i >= n) {
        if (quoted) throw new CsvError(rowStart, `row ${rowStart}: a quoted value is never closed`);
        this.i = n;
        if (cell === '' && row.length === 0) return undefined;
        row.push(cell);
        return row;
      }
      if (quoted) {
        const q = s.indexOf('"', i);
        if (q < 0) throw new CsvError(rowStart, `row ${rowStart}: a quoted value is never closed`);
        const chunk = s.slice(i, q);
        for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) this.line++;
        cell += chunk;
        if (s[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          quoted = false;
          i = q + 1;
        }
        continue;
      }
      SPECIAL.lastIndex = i;
      const m = SPECIAL.exec(s);
      const j = m ? m.index : n;
      cell += s.slice(i, j);
      i = j;
      if (!m) continue;
      const ch = s[j];
      if (ch === '"') {
        // A quote opens a quoted value only at the start of a cell; elsewhere it is a character.
        if (cell === '') quoted = true;
        else cell += '"';
        i = j + 1;
      } else if (ch === ',') {
        row.push(cell);
        cell = '';
        i = j + 1;
      } else {
        i = j + 1;
        if (ch === '\r' && s[i] === '\n') i++;
        row.push(cell);
        this.line++;
        this.i = i;
        return row;
      }
    }
  }
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
