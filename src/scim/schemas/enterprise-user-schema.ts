/** The Enterprise User extension, RFC 7643 §4.3 with the characteristics of §8.7.1. */
import { defineAttribute } from './define-attribute.js';
import type { SchemaDef } from './types.js';
import { ENTERPRISE_USER_SCHEMA } from './urns.js';

export const ENTERPRISE_USER_SCHEMA_DEF: SchemaDef = Object.freeze({
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: Object.freeze([
    defineAttribute('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.'),
    defineAttribute('costCenter', 'string', 'Identifies the name of a cost center.'),
    defineAttribute('organization', 'string', 'Identifies the name of an organization.'),
    defineAttribute('division', 'string', 'Identifies the name of a division.'),
    defineAttribute('department', 'string', 'Identifies the name of a department.'),
    defineAttribute('manager', 'complex', "The User's manager, referencing the 'id' attribute of another User.", {
      subAttributes: Object.freeze([
        defineAttribute('value', 'string', "The id of the SCIM resource representing the User's manager."),
        defineAttribute('$ref', 'reference', "The URI of the SCIM resource representing the User's manager.", {
          referenceTypes: Object.freeze(['User']),
        }),
        defineAttribute('displayName', 'string', "The displayName of the User's manager.", { mutability: 'readOnly' }),
      ]),
    }),
  ]),
});
