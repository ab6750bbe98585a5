/**
 * The abstract syntax of SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2).
 * Produced by the parser, consumed by the SQL compiler (store/) and the in-memory evaluator
 * (PATCH value filters). Names are kept exactly as the client wrote them; consumers resolve
 * them case-insensitively against the schema (RFC 7643 §2.1: attribute names are case-insensitive).
 */

/** `[uri ":"] attr ["." sub]`. `uri` is the schema URN prefix when the client qualified the name. */
export interface AttrPath {
  readonly uri?: string;
  readonly attr: string;
  readonly sub?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type CompValue = string | number | boolean | null;

export type Filter =
  | { readonly kind: 'compare'; readonly path: AttrPath; readonly op: CompareOp; readonly value: CompValue }
  | { readonly kind: 'present'; readonly path: AttrPath }
  | { readonly kind: 'and'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  /**
   * `attr[filter]`: true when at least one value of the multi-valued (or complex) attribute
   * `path` matches `filter`, whose paths are relative to that attribute (their `attr` is the
   * sub-attribute name). `path.sub` is never set.
   */
  | { readonly kind: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

/**
 * A PATCH operation's `path` (RFC 7644 §3.5.2, `PATH = attrPath / valuePath [subAttr]`).
 * - `name.givenName`            -> { attr: { attr: 'name', sub: 'givenName' } }
 * - `emails[type eq "work"]`    -> { attr: { attr: 'emails' }, filter }
 * - `emails[type eq "work"].value` -> { attr: { attr: 'emails' }, filter, sub: 'value' }
 * - `urn:...:enterprise:2.0:User:manager.value` -> { attr: { uri, attr: 'manager', sub: 'value' } }
 * - `urn:...:enterprise:2.0:User` (a whole extension) -> { extension: 'urn:...:User' }
 */
export type PatchPath =
  | { readonly extension: string }
  | { readonly extension?: undefined; readonly attr: AttrPath; readonly filter?: Filter; readonly sub?: string };
