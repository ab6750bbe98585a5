/**
 * Attribute paths: `[URI ":"] ATTRNAME ["." subAttr]` (RFC 7644 §3.10, §3.4.2.2).
 * A schema URN contains colons and dots of its own (`...:enterprise:2.0:User`), so the URN
 * prefix ends at the LAST colon and only the remainder is split on '.'.
 */
import type { AttrPath } from './ast.js';
import type { ErrorFactory } from './lexer.js';
import { ScimError } from '../errors.js';
import { InputRefused, isReservedName } from '../input-guard.js';

/** RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; plus `$ref`. */
const ATTR_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/i;
const PATH_TOKEN = /^[A-Za-z0-9_\-$:.]+$/;

/** Longest attribute path accepted (URNs are long, but not this long). */
export const MAX_ATTR_PATH_LENGTH = 1024;

export const isAttrName = (name: string): boolean => ATTR_NAME.test(name);

/** Where in the input an attribute path token sits, for error positions. */
type Locate = (detail: string, offset: number) => Error;

/**
 * Splits an already-delimited path token into an AttrPath, validating every name.
 * `locate(detail, offset)` builds the error; `offset` is relative to the token's start.
 */
export function splitAttrPath(token: string, locate: Locate): AttrPath {
  if (token.length === 0) throw locate('expected an attribute path', 0);
  if (token.length > MAX_ATTR_PATH_LENGTH) {
    throw locate(`attribute path is longer than ${MAX_ATTR_PATH_LENGTH} characters`, 0);
  }
  const colon = token.lastIndexOf(':');
  const uri = colon >= 0 ? token.slice(0, colon) : undefined;
  const restStart = colon + 1;
  const rest = token.slice(restStart);
  if (uri !== undefined && (uri.length === 0 || uri.startsWith(':') || uri.includes('::'))) {
    throw locate(`malformed schema URI '${uri}' in attribute path '${token}'`, 0);
  }
  const parts = rest.split('.');
  if (parts.length > 2) {
    throw locate(`attribute path '${token}' has more than one sub-attribute level`, restStart);
  }
  const [attr = '', sub] = parts;
  // `__proto__:detail` once reached Object.prototype through a PATCH (issue 12, defect 1): no
  // segment of a path, URN prefix included, may be a name that walks to a prototype.
  const reserved = [...(uri?.split(/[:.]/) ?? []), attr, sub ?? ''].find(isReservedName);
  if (reserved !== undefined) throw refused(locate(`"${reserved}" is not accepted as a name in attribute path '${token}' (__proto__, constructor and prototype are refused everywhere)`, 0));
  if (!isAttrName(attr)) throw locate(`invalid attribute name '${attr}' in '${token}'`, restStart);
  if (sub !== undefined && !isAttrName(sub)) {
    throw locate(`invalid sub-attribute name '${sub}' in '${token}'`, restStart + attr.length + 1);
  }
  return {
    ...(uri !== undefined ? { uri } : {}),
    attr,
    ...(sub !== undefined ? { sub } : {}),
  };
}

/** The same error, as an input refused at the boundary (no audit event; see InputRefused). */
function refused(err: Error): Error {
  return err instanceof ScimError ? new InputRefused(err.status, err.scimType, err.detail) : err;
}

/**
 * Parses one attribute path as used by the `attributes`, `excludedAttributes` and `sortBy`
 * query parameters (RFC 7644 §3.4.2.3, §3.9). `onError` builds the thrown error (e.g.
 * invalidFilter for sortBy, invalidPath otherwise). Note: a whole-extension URN such as
 * `urn:...:enterprise:2.0:User` comes back as `{ uri: 'urn:...:enterprise:2.0', attr: 'User' }`;
 * callers that accept whole extensions should check `${uri}:${attr}` against their schemas.
 */
export function parseAttrPath(text: string, onError: ErrorFactory): AttrPath {
  const token = text.trim();
  if (token.length === 0) throw onError('empty attribute path');
  if (!PATH_TOKEN.test(token)) {
    const bad = [...token].findIndex((ch) => !/[A-Za-z0-9_\-$:.]/.test(ch));
    throw onError(`unexpected character '${token[bad] ?? ''}' in attribute path '${token}' at position ${bad + 1}`);
  }
  return splitAttrPath(token, (detail, offset) => onError(`${detail} at position ${offset + 1}`));
}
