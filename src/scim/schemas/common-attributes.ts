/**
 * Attributes common to every resource (RFC 7643 §3.1). They are not part of any schema's
 * "attributes" list in /Schemas, but every resource carries them.
 */
import { defineAttribute } from './define-attribute.js';
import type { AttributeDef } from './types.js';

export const COMMON_ATTRIBUTES: readonly AttributeDef[] = Object.freeze([
  defineAttribute('id', 'string', 'A unique identifier for a SCIM resource as defined by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  defineAttribute('externalId', 'string', 'A String that is an identifier for the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  defineAttribute('meta', 'complex', 'A complex attribute containing resource metadata.', {
    mutability: 'readOnly',
    subAttributes: Object.freeze([
      defineAttribute('resourceType', 'string', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      defineAttribute('created', 'dateTime', 'The DateTime that the resource was added to the service provider.', {
        mutability: 'readOnly',
      }),
      defineAttribute('lastModified', 'dateTime', 'The most recent DateTime that the details of this resource were updated at the service provider.', {
        mutability: 'readOnly',
      }),
      defineAttribute('location', 'reference', 'The URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: Object.freeze(['uri']),
      }),
      defineAttribute('version', 'string', 'The version of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ]),
  }),
]);
