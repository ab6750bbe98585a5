/**
 * Bodies of the discovery endpoints (RFC 7644 §4): /Schemas (RFC 7643 §7), /ResourceTypes
 * (§6) and /ServiceProviderConfig (§5), as plain JSON-ready objects. Every builder takes the
 * server's base URL (e.g. "https://muster.example/scim/v2") for meta.location.
 */
import type { SchemaRegistry } from './registry.js';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './types.js';
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from './urns.js';

export interface DiscoveryMeta {
  readonly resourceType: 'Schema' | 'ResourceType' | 'ServiceProviderConfig';
  readonly location: string;
}

export interface SchemaBody {
  readonly schemas: readonly [typeof SCHEMA_SCHEMA];
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDef[];
  readonly meta: DiscoveryMeta;
}

export interface ResourceTypeBody {
  readonly schemas: readonly [typeof RESOURCE_TYPE_SCHEMA];
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
  readonly meta: DiscoveryMeta;
}

export interface AuthenticationScheme {
  readonly type: string;
  readonly name: string;
  readonly description: string;
  readonly specUri?: string;
  readonly documentationUri?: string;
  readonly primary?: boolean;
}

/** The one scheme Muster accepts: a bearer token (RFC 6750). */
export const OAUTH_BEARER_TOKEN_SCHEME: AuthenticationScheme = Object.freeze({
  type: 'oauthbearertoken',
  name: 'OAuth Bearer Token',
  description: 'Authentication scheme using the OAuth Bearer Token Standard',
  specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
  primary: true,
});

export interface ServiceProviderConfigOptions {
  readonly baseUrl: string;
  readonly documentationUri?: string;
  readonly patch: boolean;
  readonly bulk: { readonly supported: boolean; readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly filter: { readonly supported: boolean; readonly maxResults: number };
  readonly changePassword: boolean;
  readonly sort: boolean;
  readonly etag: boolean;
  /** RFC 9865 §4; left out of the body when not given. */
  readonly pagination?: Pagination;
  /** Defaults to [OAUTH_BEARER_TOKEN_SCHEME]. */
  readonly authenticationSchemes?: readonly AuthenticationScheme[];
}

export interface ServiceProviderConfigBody {
  readonly schemas: readonly [typeof SERVICE_PROVIDER_CONFIG_SCHEMA];
  readonly documentationUri?: string;
  readonly patch: { readonly supported: boolean };
  readonly bulk: { readonly supported: boolean; readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly filter: { readonly supported: boolean; readonly maxResults: number };
  readonly changePassword: { readonly supported: boolean };
  readonly sort: { readonly supported: boolean };
  readonly etag: { readonly supported: boolean };
  readonly pagination?: Pagination;
  readonly authenticationSchemes: readonly AuthenticationScheme[];
  readonly meta: DiscoveryMeta;
}

/** The `pagination` attribute RFC 9865 §4 adds to ServiceProviderConfig. */
export interface Pagination {
  readonly cursor: boolean;
  readonly index: boolean;
  readonly defaultPaginationMethod?: 'cursor' | 'index';
  readonly defaultPageSize?: number;
  readonly maxPageSize?: number;
  /** Seconds a cursor stays usable. */
  readonly cursorTimeout?: number;
}

/** The base URL without trailing slashes, so that `${base}/Schemas` never doubles them. */
function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** One /Schemas entry. The schema URN is used verbatim in the location, as RFC 7643 §8.7.1 shows. */
export function schemaBody(schema: SchemaDef, baseUrl: string): SchemaBody {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${trimBase(baseUrl)}/Schemas/${schema.id}` },
  };
}

/** Every /Schemas entry of a registry. */
export function schemaBodies(registry: SchemaRegistry, baseUrl: string): readonly SchemaBody[] {
  return registry.all().map((s) => schemaBody(s, baseUrl));
}

/** One /ResourceTypes entry. */
export function resourceTypeBody(rt: ResourceTypeDef, baseUrl: string): ResourceTypeBody {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: rt.id,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema,
    schemaExtensions: rt.schemaExtensions.map((e) => ({ schema: e.schema, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${trimBase(baseUrl)}/ResourceTypes/${rt.id}` },
  };
}

/** Every /ResourceTypes entry of a registry. */
export function resourceTypeBodies(registry: SchemaRegistry, baseUrl: string): readonly ResourceTypeBody[] {
  return registry.allResourceTypes().map((rt) => resourceTypeBody(rt, baseUrl));
}

/** The /ServiceProviderConfig body (RFC 7643 §5). */
export function serviceProviderConfig(opts: ServiceProviderConfigOptions): ServiceProviderConfigBody {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...(opts.documentationUri !== undefined ? { documentationUri: opts.documentationUri } : {}),
    patch: { supported: opts.patch },
    bulk: { supported: opts.bulk.supported, maxOperations: opts.bulk.maxOperations, maxPayloadSize: opts.bulk.maxPayloadSize },
    filter: { supported: opts.filter.supported, maxResults: opts.filter.maxResults },
    changePassword: { supported: opts.changePassword },
    sort: { supported: opts.sort },
    etag: { supported: opts.etag },
    ...(opts.pagination ? { pagination: { ...opts.pagination } } : {}),
    authenticationSchemes: opts.authenticationSchemes ?? [OAUTH_BEARER_TOKEN_SCHEME],
    meta: { resourceType: 'ServiceProviderConfig', location: `${trimBase(opts.baseUrl)}/ServiceProviderConfig` },
  };
}
