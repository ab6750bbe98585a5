/**
 * A terse constructor for AttributeDef. RFC 7643 §2.2 defaults apply to anything not given:
 * single-valued, optional, case-insensitive, readWrite, returned by default, not unique.
 * §8.7.1 omits caseExact/uniqueness on booleans and some complex attributes; the defaults fill them.
 */
import type { AttributeDef, AttrType } from './types.js';

export type AttributeOverrides = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

export function defineAttribute(
  name: string,
  type: AttrType,
  description: string,
  overrides: AttributeOverrides = {},
): AttributeDef {
  return Object.freeze({
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  });
}
