import { describe, expect, it } from 'vitest';
import { CsvError, decodeCsv, parseCsv, textProblem } from './csv.js';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('decodeCsv', () => {
  it('reads UTF-8 (and drops a BOM)', () => {
    expect(decodeCsv(bytes([0xef, 0xbb, 0xbf], 'name\nZoë Ōtsuka 🙂\n'))).toBe('name\nZoë Ōtsuka 🙂\n');
  });

  it('refuses bytes that are not UTF-8, naming the line, instead of reading U+FFFD', () => {
    // "José" saved in Windows-1252 on line 3; a surrogate encoded as UTF-8 (WTF-8 / CESU-8) on line 2.
    for (const [file, line] of [[bytes('email\na@x.example\nJos', [0xe9], '\n'), 3], [bytes('email\n', [0xed, 0xb0, 0x80], '\n'), 2], [bytes([0xff]), 1]] as const) {
      let err: unknown;
      try {
        decodeCsv(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CsvError);
      expect((err as CsvError).message).toBe(`line ${line}: the file is not UTF-8 text; save it as "CSV UTF-8" (or re-encode it as UTF-8) and import it again`);
    }
  });
});

describe('textProblem', () => {
  it('passes well-formed text, and names NUL and lone surrogates', () => {
    expect(textProblem('Zoë 🙂')).toBeUndefined();
    expect(textProblem('eve\u0000')).toMatch(/NUL/);
    expect(textProblem('eve\udfff@example.com')).toMatch(/not well-formed Unicode/);
    expect(textProblem('\ud83d')).toMatch(/not well-formed Unicode/);
  });
});

describe('parseCsv', () => {
  it('keeps quoted commas, quotes and line ends in one cell', () => {
    expect(parseCsv('a,b\r\n"x, ""y""","1\n2"\n')).toEqual([['a', 'b'], ['x, "y"', '1\n2']]);
  });
});
