import type { Filter } from './ast.js';

/**
 * Whether any term of the filter names the top-level attribute `attr`, given in lower case
 * (names compare case-insensitively, RFC 7643 §2.1), with or without a schema URN (any URN: a
 * custom attribute of that name costs a read, nothing more): `groups.value eq "…"`, `groups[display sw "A"]`,
 * `not (groups pr)`. Inside a value path only the path itself counts (its terms name sub-attributes).
 */
export function filterNames(f: Filter, attr: string): boolean {
  switch (f.kind) {
    case 'and':
    case 'or': return filterNames(f.left, attr) || filterNames(f.right, attr);
    case 'not': return filterNames(f.filter, attr);
    default: return f.path.attr.toLowerCase() === attr;
  }
}
