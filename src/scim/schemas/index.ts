/** The schema layer's public API (RFC 7643). */
export type {
  AttrType,
  AttributeDef,
  Mutability,
  ResourceTypeDef,
  ResourceTypeId,
  Returned,
  SchemaDef,
  Uniqueness,
} from './types.js';
export * from './urns.js';
export { defineAttribute } from './define-attribute.js';
export type { AttributeOverrides } from './define-attribute.js';
export { COMMON_ATTRIBUTES } from './common-attributes.js';
export { USER_SCHEMA_DEF } from './user-schema.js';
export { GROUP_SCHEMA_DEF } from './group-schema.js';
export { ENTERPRISE_USER_SCHEMA_DEF } from './enterprise-user-schema.js';
export { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from './resource-types.js';
export { COMMON_SCHEMA, SchemaRegistry, createDefaultRegistry } from './registry.js';
export type { AttrPathLike, ResolvedAttr } from './registry.js';
export {
  OAUTH_BEARER_TOKEN_SCHEME,
  resourceTypeBodies,
  resourceTypeBody,
  schemaBodies,
  schemaBody,
  serviceProviderConfig,
} from './discovery.js';
export type {
  AuthenticationScheme,
  DiscoveryMeta,
  ResourceTypeBody,
  SchemaBody,
  ServiceProviderConfigBody,
  ServiceProviderConfigOptions,
} from './discovery.js';
export { customExtensionSchemas } from './custom-extensions.js';
