/** The resource types Muster serves (RFC 7643 §6, §8.6). */
import type { ResourceTypeDef } from './types.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './urns.js';

export const USER_RESOURCE_TYPE: ResourceTypeDef = Object.freeze({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: Object.freeze([Object.freeze({ schema: ENTERPRISE_USER_SCHEMA, required: false })]),
});

export const GROUP_RESOURCE_TYPE: ResourceTypeDef = Object.freeze({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: Object.freeze([]),
});
