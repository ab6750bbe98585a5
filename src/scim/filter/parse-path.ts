/**
 * PATCH operation paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`, plus a
 * bare schema URN naming a whole extension (`urn:...:enterprise:2.0:User`).
 */
import type { PatchPath } from './ast.js';
import { invalidPath } from '../errors.js';
import { isAttrName, parseAttrPath, splitAttrPath } from './attr-path.js';
import { Scanner } from './lexer.js';
import { FilterParser, MAX_FILTER_LENGTH } from './parse-filter.js';
import { InputRefused, isReservedName } from '../input-guard.js';

export { parseAttrPath } from './attr-path.js';

const VERSION_SEGMENT = /^\d+(?:\.\d+)*$/;

/**
 * Whether `path` (no brackets) names a whole schema extension rather than an attribute in one.
 * `isSchemaUri` decides when it knows either the whole path or its prefix before the last
 * colon; otherwise a `urn:` whose last segment follows a version (`...:2.0:User`) is a schema.
 */
function isWholeSchema(path: string, isSchemaUri?: (uri: string) => boolean): boolean {
  if (isSchemaUri?.(path)) return true;
  if (!/^urn:/i.test(path)) return false;
  const colon = path.lastIndexOf(':');
  if (isSchemaUri?.(path.slice(0, colon))) return false;
  const segments = path.split(':');
  const beforeLast = segments[segments.length - 2];
  const last = segments[segments.length - 1] ?? '';
  return beforeLast !== undefined && VERSION_SEGMENT.test(beforeLast) && isAttrName(last);
}

/**
 * Parses a PATCH `path`. Syntax errors throw invalidPath (HTTP 400). `isSchemaUri` lets the
 * caller say which strings are schema URNs it knows (it should compare case-insensitively).
 */
export function parsePatchPath(text: string, isSchemaUri?: (uri: string) => boolean): PatchPath {
  const path = text.trim();
  if (path.length === 0) throw invalidPath('PATCH path is empty');
  if (path.length > MAX_FILTER_LENGTH) {
    throw invalidPath(`PATCH path is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  if (!path.includes('[')) {
    if (/^urn:/i.test(path) && path.split(/[:.]/).some(isReservedName)) {
      throw new InputRefused(400, 'invalidPath', `PATCH path '${path}' names __proto__, constructor or prototype, which are refused everywhere`);
    }
    if (isWholeSchema(path, isSchemaUri)) return { extension: path };
    return { attr: parseAttrPath(path, invalidPath) };
  }

  const s = new Scanner(path, invalidPath);
  const token = s.readPathToken();
  const attr = splitAttrPath(token.text, (detail, offset) => s.error(detail, token.start + offset));
  if (s.peek() !== '[') throw s.error(`unexpected ${s.describe()} in PATCH path`);
  const filter = new FilterParser(s).parseBracketFilter(attr, token.start);
  if (s.atEnd()) return { attr, filter };
  if (!s.eat('.')) throw s.error(`unexpected ${s.describe()} after the value filter; expected '.' or the end`);
  const subToken = s.readPathToken();
  if (!isAttrName(subToken.text)) {
    throw s.error(`expected a sub-attribute name after '].', found '${subToken.text}'`, subToken.start);
  }
  if (!s.atEnd()) throw s.error(`unexpected ${s.describe()} at the end of the PATCH path`);
  return { attr, filter, sub: subToken.text };
}
