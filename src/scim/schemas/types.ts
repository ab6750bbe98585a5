/**
 * The attribute and schema model of RFC 7643 §2 and §7, as plain readonly data.
 * Schemas drive behaviour: mutability, returned, case-exactness and uniqueness are
 * read from these definitions rather than hard-coded per attribute.
 */

export type AttrType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute definition (RFC 7643 §7, "attributes" / "subAttributes"). */
export interface AttributeDef {
  readonly name: string;
  readonly type: AttrType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDef[];
}

/** A schema definition (RFC 7643 §7), without the discovery envelope (`schemas`, `meta`). */
export interface SchemaDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDef[];
}

export type ResourceTypeId = 'User' | 'Group';

/** A resource type definition (RFC 7643 §6), without the discovery envelope. */
export interface ResourceTypeDef {
  readonly id: ResourceTypeId;
  readonly name: string;
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}
