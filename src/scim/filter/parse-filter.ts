/**
 * The SCIM filter parser (RFC 7644 §3.4.2.2), recursive descent with the RFC's precedence
 * (`not` binds tighter than `and`, which binds tighter than `or`; both left-associative).
 *
 * Leniencies real clients need, beyond the RFC grammar:
 * - operators and keywords are case-insensitive (`userName Eq "x"`, PingOne);
 * - a bare value (`name.familyName eq Employee`, Microsoft's conformance suite) is a number,
 *   true/false/null when the whole token is one, and otherwise a string;
 * - `emails[type eq "work"].value eq "x"` (Entra) means `emails[type eq "work" and value eq "x"]`.
 */
import type { AttrPath, CompValue, CompareOp, Filter } from './ast.js';
import { invalidFilter } from '../errors.js';
import { splitAttrPath } from './attr-path.js';
import { Scanner, type Token } from './lexer.js';

export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 50;

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const isCompareOp = (word: string): word is CompareOp => COMPARE_OPS.has(word);
const isOperator = (word: string): boolean => word === 'pr' || COMPARE_OPS.has(word);

/**
 * Parses filters over a Scanner. Exported for the PATCH path parser, which parses the
 * bracketed filter of a value path with its own error factory.
 */
export class FilterParser {
  private depth = 0;

  constructor(private readonly s: Scanner) {}

  /** `filter = orExpr`; stops (without consuming) at `)`, `]`, the end, or anything unexpected. */
  parseOr(inValuePath: boolean): Filter {
    let left = this.parseAnd(inValuePath);
    while (this.eatKeyword('or')) {
      left = { kind: 'or', left, right: this.parseAnd(inValuePath) };
    }
    return left;
  }

  /**
   * Parses `[filter]` of a value path whose attribute is `path`; the cursor is on `[`.
   * Inner paths are relative to the multi-valued attribute. Nested value paths are errors.
   */
  parseBracketFilter(path: AttrPath, at: number): Filter {
    if (path.sub !== undefined) {
      throw this.s.error(`a value filter cannot follow the sub-attribute '${path.attr}.${path.sub}'`, at);
    }
    const open = this.s.pos;
    this.s.expect('[', 'to open a value filter');
    this.enter(open);
    this.s.skipWs();
    const inner = this.parseOr(true);
    this.s.skipWs();
    if (this.s.peek() !== ']') {
      throw this.s.error(`expected ']' to close the value filter opened at position ${open + 1}, found ${this.s.describe()}`);
    }
    this.s.pos++;
    this.depth--;
    return inner;
  }

  private parseAnd(inValuePath: boolean): Filter {
    let left = this.parseUnary(inValuePath);
    while (this.eatKeyword('and')) {
      left = { kind: 'and', left, right: this.parseUnary(inValuePath) };
    }
    return left;
  }

  private parseUnary(inValuePath: boolean): Filter {
    this.s.skipWs();
    if (this.s.peek() === '(') return this.parseGroup(inValuePath);
    const token = this.s.readPathToken();
    if (token.text.length === 0) {
      throw this.s.error(`expected an attribute path, '(' or 'not', found ${this.s.describe()}`);
    }
    if (token.text.toLowerCase() === 'not') {
      const after = this.s.pos;
      this.s.skipWs();
      if (this.s.peek() === '(') return { kind: 'not', filter: this.parseGroup(inValuePath) };
      // `not` may still be an attribute named "not" (`not pr`), but only if an operator follows.
      const next = this.s.readPathToken();
      if (!isOperator(next.text.toLowerCase()) && this.s.text[after] !== '[') {
        throw this.s.error(`expected '(' after 'not', found ${this.s.describe(next.start)}`, next.start);
      }
      this.s.pos = after;
    }
    return this.parseAttrExpr(token, inValuePath);
  }

  /** `"(" filter ")"`; the cursor is on `(`. */
  private parseGroup(inValuePath: boolean): Filter {
    const open = this.s.pos;
    this.s.pos++;
    this.enter(open);
    this.s.skipWs();
    const inner = this.parseOr(inValuePath);
    this.s.skipWs();
    if (this.s.peek() !== ')') {
      throw this.s.error(`expected ')' to close the '(' at position ${open + 1}, found ${this.s.describe()}`);
    }
    this.s.pos++;
    this.depth--;
    return inner;
  }

  /** `attrPath SP "pr"`, `attrPath SP compareOp SP compValue`, or `valuePath`. */
  private parseAttrExpr(token: Token, inValuePath: boolean): Filter {
    const path = this.toPath(token);
    this.s.skipWs();
    if (this.s.peek() === '[') {
      if (inValuePath) throw this.s.error('value filters cannot be nested');
      const inner = this.parseBracketFilter(path, token.start);
      if (this.s.peek() !== '.') return { kind: 'valuePath', path, filter: inner };
      // Non-RFC `emails[type eq "work"].value eq "x"`: the comparison joins the value filter.
      this.s.pos++;
      const subToken = this.s.readPathToken();
      const subPath = this.toPath(subToken);
      if (subPath.uri !== undefined || subPath.sub !== undefined) {
        throw this.s.error(`expected a sub-attribute name after '].', found '${subToken.text}'`, subToken.start);
      }
      const test = this.parseOperation(subPath);
      return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: test } };
    }
    return this.parseOperation(path);
  }

  /** The operator (and value) after an attribute path. */
  private parseOperation(path: AttrPath): Filter {
    this.s.skipWs();
    const opToken = this.s.readPathToken();
    const op = opToken.text.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!isCompareOp(op)) {
      throw opToken.text.length === 0
        ? this.s.error(`expected an operator, found ${this.s.describe()}`)
        : this.s.error(`unknown operator '${opToken.text}'`, opToken.start);
    }
    this.s.skipWs();
    return { kind: 'compare', path, op, value: this.parseValue(op) };
  }

  /** `compValue`: a JSON string, or a bare token (number, true/false/null, or lenient string). */
  private parseValue(op: string): CompValue {
    const ch = this.s.peek();
    if (ch === '"') return this.s.readString();
    const bare = this.s.readBare();
    if (bare.text.length === 0) {
      throw this.s.error(`missing value after operator '${op}', found ${this.s.describe()}`);
    }
    const lower = bare.text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (JSON_NUMBER.test(bare.text)) {
      const n = Number(bare.text);
      if (!Number.isFinite(n)) throw this.s.error(`number '${bare.text}' is out of range`, bare.start);
      return n;
    }
    return bare.text;
  }

  private toPath(token: Token): AttrPath {
    return splitAttrPath(token.text, (detail, offset) => this.s.error(detail, token.start + offset));
  }

  /** Consumes the keyword (case-insensitive) if it is the next token. */
  private eatKeyword(keyword: 'and' | 'or'): boolean {
    const save = this.s.pos;
    this.s.skipWs();
    const token = this.s.readPathToken();
    if (token.text.toLowerCase() === keyword) return true;
    this.s.pos = save;
    return false;
  }

  private enter(at: number): void {
    this.depth++;
    if (this.depth > MAX_FILTER_DEPTH) {
      throw this.s.error(`filter is nested more than ${MAX_FILTER_DEPTH} levels deep`, at);
    }
  }
}

/** Parses a SCIM filter expression; any syntax problem throws invalidFilter (HTTP 400). */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const s = new Scanner(text, invalidFilter);
  s.skipWs();
  if (s.atEnd()) throw invalidFilter('filter is empty');
  const filter = new FilterParser(s).parseOr(false);
  s.skipWs();
  if (!s.atEnd()) {
    const ch = s.peek();
    const what = ch === ')' ? "unbalanced ')'" : ch === ']' ? "unbalanced ']'" : `unexpected ${s.describe()}`;
    throw s.error(`${what}; expected 'and', 'or' or the end of the filter`);
  }
  return filter;
}
