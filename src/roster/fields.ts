/**
 * A master list's roster schema: typed fields with stable keys, and the default schema that
 * SCIM provisioning sets up (27 SCIM attributes mapped to roster fields; docs/roster.md lists them).
 */

export const FIELD_TYPES = ['text', 'number', 'email', 'phone', 'date', 'boolean', 'dropdown', 'reference'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const TRANSFORMS = ['copy', 'trim', 'lower', 'upper', 'template'] as const;
export type Transform = (typeof TRANSFORMS)[number];

export type UidChoice = 'employeeNumber' | 'userName' | 'email';

export interface RosterField {
  /** Stable: never changes once created (labels may). Lower-case letters, digits and underscores. */
  readonly key: string;
  readonly label: string;
  readonly type: FieldType;
  /** The choices of a dropdown field. */
  readonly options?: readonly string[];
  readonly required: boolean;
  /** Exactly one field of a list is its unique identifier. */
  readonly unique: boolean;
}

export interface MappingEntry {
  /** A SCIM attribute path: `title`, `name.givenName`, `emails[type eq "work"].value`, `urn:…:User:costCode`. Ignored by `template`. */
  readonly source: string;
  readonly field: string;
  readonly transform: Transform;
  /** For `template`: `{name.givenName} {name.familyName}`. */
  readonly template?: string;
}

export const FIELD_KEY = /^[a-z][a-z0-9_]{0,62}$/;

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The 27 SCIM attributes of the default schema: [field key, label, type, SCIM path]. */
export const DEFAULT_ATTRIBUTES: ReadonlyArray<readonly [string, string, FieldType, string]> = [
  ['username', 'Username', 'text', 'userName'],
  ['first_name', 'First name', 'text', 'name.givenName'],
  ['last_name', 'Last name', 'text', 'name.familyName'],
  ['middle_name', 'Middle name', 'text', 'name.middleName'],
  ['display_name', 'Display name', 'text', 'displayName'],
  ['full_name', 'Full name', 'text', 'name.formatted'],
  ['nickname', 'Nickname', 'text', 'nickName'],
  ['work_email', 'Work email', 'email', 'emails[type eq "work"].value'],
  ['other_email', 'Other email', 'email', 'emails[type ne "work"].value'],
  ['work_phone', 'Work phone', 'phone', 'phoneNumbers[type eq "work"].value'],
  ['mobile_phone', 'Mobile phone', 'phone', 'phoneNumbers[type eq "mobile"].value'],
  ['job_title', 'Job title', 'text', 'title'],
  ['department', 'Department', 'text', `${ENT}:department`],
  ['employee_number', 'Employee number', 'text', `${ENT}:employeeNumber`],
  ['manager', 'Manager', 'reference', `${ENT}:manager.value`],
  ['division', 'Division', 'text', `${ENT}:division`],
  ['cost_centre', 'Cost centre', 'text', `${ENT}:costCenter`],
  ['organisation', 'Organisation', 'text', `${ENT}:organization`],
  ['user_type', 'User type', 'text', 'userType'],
  ['street_address', 'Street address', 'text', 'addresses[type eq "work"].streetAddress'],
  ['city', 'City', 'text', 'addresses[type eq "work"].locality'],
  ['postal_code', 'Postal code', 'text', 'addresses[type eq "work"].postalCode'],
  ['country', 'Country', 'text', 'addresses[type eq "work"].country'],
  ['locale', 'Locale', 'text', 'locale'],
  ['time_zone', 'Time zone', 'text', 'timezone'],
  ['external_id', 'External ID', 'text', 'externalId'],
  ['active', 'Active', 'boolean', 'active'],
];

const UID_FIELD: Readonly<Record<UidChoice, string>> = { employeeNumber: 'employee_number', userName: 'username', email: 'work_email' };

/** The default schema and mapping for a list whose unique identifier is `uid`. */
export function defaultSchema(uid: UidChoice): { fields: RosterField[]; mapping: MappingEntry[] } {
  const uidKey = UID_FIELD[uid];
  const fields = DEFAULT_ATTRIBUTES.map(([key, label, type]) => ({ key, label, type, required: key === uidKey, unique: key === uidKey }));
  const mapping = DEFAULT_ATTRIBUTES.map(([key, , , source]) => ({ source, field: key, transform: 'copy' as const }));
  return { fields, mapping };
}
