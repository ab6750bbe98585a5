/**
 * A context-sensitive scanner for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2).
 * The grammar needs the parser's context to tokenise (a bare value such as
 * `2015-10-10T14:38:21.86-07:00` only makes sense after an operator), so this is a cursor
 * with one reader per token kind rather than a token stream. Every error it raises goes
 * through the caller's error factory, carrying the 1-based character position.
 */

/** Builds the error thrown for a syntax problem (invalidFilter or invalidPath). */
export type ErrorFactory = (detail: string) => Error;

export interface Token {
  readonly text: string;
  /** 0-based offset of the token's first character. */
  readonly start: number;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
/** Characters of an attribute path token: name chars, `$` (for `$ref`), and URN `:` / sub-attribute `.`. */
const PATH_CHAR = /[A-Za-z0-9_\-$:.]/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export class Scanner {
  pos = 0;

  constructor(
    readonly text: string,
    private readonly fail: ErrorFactory,
  ) {}

  /** An error for `message` located at `at` (default: the cursor). */
  error(message: string, at: number = this.pos): Error {
    return this.fail(`${message} at position ${at + 1}`);
  }

  /** Describes what is at `at`, for error messages: `'x'` or `end of input`. */
  describe(at: number = this.pos): string {
    const ch = this.text[at];
    return ch === undefined ? 'end of input' : `'${ch}'`;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipWs(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text[this.pos] ?? '')) this.pos++;
  }

  /** Consumes `ch` if it is the next character. */
  eat(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  expect(ch: string, context: string): void {
    if (!this.eat(ch)) throw this.error(`expected '${ch}' ${context}, found ${this.describe()}`);
  }

  /** Reads a run of attribute-path characters (possibly empty): attribute paths, operators, keywords. */
  readPathToken(): Token {
    const start = this.pos;
    while (this.pos < this.text.length && PATH_CHAR.test(this.text[this.pos] ?? '')) this.pos++;
    return { text: this.text.slice(start, this.pos), start };
  }

  /** Reads a bare (unquoted) value: everything up to whitespace, `)`, `]` or the end. */
  readBare(): Token {
    const start = this.pos;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined || ch === ')' || ch === ']' || WHITESPACE.has(ch)) break;
      this.pos++;
    }
    return { text: this.text.slice(start, this.pos), start };
  }

  /** Reads a JSON string literal; the cursor must be on its opening quote. */
  readString(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) throw this.error('unterminated string literal', start);
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch !== '\\') {
        out += ch;
        this.pos++;
        continue;
      }
      const esc = this.text[this.pos + 1];
      if (esc === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!HEX4.test(hex)) throw this.error('invalid \\u escape in string literal (need 4 hex digits)');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
        continue;
      }
      const simple = esc === undefined ? undefined : SIMPLE_ESCAPES[esc];
      if (simple === undefined) {
        throw this.error(
          esc === undefined ? 'unterminated string literal' : `invalid escape '\\${esc}' in string literal`,
          esc === undefined ? start : this.pos,
        );
      }
      out += simple;
      this.pos += 2;
    }
  }
}
