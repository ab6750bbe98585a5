import { describe, expect, it } from 'vitest';
import { OAUTH_BEARER_TOKEN_SCHEME, resourceTypeBodies, schemaBodies, serviceProviderConfig } from '../../../../src/scim/schemas/discovery.js';
import { createDefaultRegistry } from '../../../../src/scim/schemas/registry.js';
import { ENTERPRISE_USER_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA, USER_SCHEMA } from '../../../../src/scim/schemas/urns.js';

const reg = createDefaultRegistry();
const base = 'https://muster.example/scim/v2';

describe('/Schemas bodies', () => {
  it('wrap each schema with the Schema URN and meta', () => {
    const bodies = schemaBodies(reg, `${base}/`);
    expect(bodies).toHaveLength(3);
    for (const b of bodies) {
      expect(b.schemas).toEqual([SCHEMA_SCHEMA]);
      expect(b.meta).toEqual({ resourceType: 'Schema', location: `${base}/Schemas/${b.id}` });
    }
    const user = bodies.find((b) => b.id === USER_SCHEMA);
    expect(user?.name).toBe('User');
    expect(user?.attributes).toHaveLength(21);
  });

  it('serialise to JSON with RFC 7643 §7 attribute characteristics', () => {
    const json = JSON.parse(JSON.stringify(schemaBodies(reg, base))) as { id: string; attributes: Record<string, unknown>[] }[];
    const userName = json.find((s) => s.id === USER_SCHEMA)?.attributes[0];
    expect(userName).toEqual({
      name: 'userName',
      type: 'string',
      multiValued: false,
      description: expect.any(String) as unknown,
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    });
  });
});

describe('/ResourceTypes bodies', () => {
  it('describe User and Group', () => {
    const [user, group] = resourceTypeBodies(reg, base);
    expect(user).toEqual({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    });
    expect(group?.schemas).toEqual([RESOURCE_TYPE_SCHEMA]);
    expect(group?.endpoint).toBe('/Groups');
    expect(group?.meta.location).toBe(`${base}/ResourceTypes/Group`);
  });
});

describe('/ServiceProviderConfig body', () => {
  const opts = {
    baseUrl: base,
    patch: true,
    bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
    filter: { supported: true, maxResults: 200 },
    changePassword: false,
    sort: true,
    etag: true,
  } as const;

  it('follows RFC 7643 §5', () => {
    const spc = serviceProviderConfig({ ...opts, documentationUri: 'https://muster.example/docs' });
    expect(spc).toEqual({
      schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
      documentationUri: 'https://muster.example/docs',
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: expect.any(String) as unknown,
          specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    });
  });

  it('omits documentationUri when not given and accepts explicit schemes', () => {
    const spc = serviceProviderConfig({ ...opts, authenticationSchemes: [OAUTH_BEARER_TOKEN_SCHEME] });
    expect('documentationUri' in spc).toBe(false);
    expect(spc.authenticationSchemes).toEqual([OAUTH_BEARER_TOKEN_SCHEME]);
  });
});
