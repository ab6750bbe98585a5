/**
 * The core Group schema, RFC 7643 §4.2 with the characteristics of §8.7.1.
 *
 * Two deliberate departures from the §8.7.1 listing, both taken from the §4.2 prose:
 * - `displayName` is required ("REQUIRED" in §4.2 and in §8.7.1's own description text,
 *   although the §8.7.1 characteristic says `"required": false`).
 * - `members.display` is defined. §8.7.1 lists only value, $ref and type, but the §8.4 Group
 *   example returns `members[].display` and identity providers send it. Like every members
 *   sub-attribute (§4.2: "sub-attributes of members are immutable") it is immutable.
 */
import { defineAttribute } from './define-attribute.js';
import type { SchemaDef } from './types.js';
import { GROUP_SCHEMA } from './urns.js';

export const GROUP_SCHEMA_DEF: SchemaDef = Object.freeze({
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: Object.freeze([
    defineAttribute('displayName', 'string', 'A human-readable name for the Group.', { required: true }),
    defineAttribute('members', 'complex', 'A list of members of the Group.', {
      multiValued: true,
      subAttributes: Object.freeze([
        defineAttribute('value', 'string', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
        defineAttribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          mutability: 'immutable',
          referenceTypes: Object.freeze(['User', 'Group']),
        }),
        defineAttribute('display', 'string', 'A human-readable name for the member, primarily used for display purposes.', {
          mutability: 'immutable',
        }),
        defineAttribute('type', 'string', "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
          mutability: 'immutable',
          canonicalValues: Object.freeze(['User', 'Group']),
        }),
      ]),
    }),
  ]),
});
