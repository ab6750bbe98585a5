import { describe, expect, it } from 'vitest';
import { scimOperation } from '../../../src/metrics/scim-operation.js';

describe('scimOperation', () => {
  it('names the route template and the RFC 7644 operation, whatever the case or the id', () => {
    expect(scimOperation('POST', '/Users')).toEqual({ route: '/scim/v2/lists/:listId/Users', resource: 'User', operation: 'create' });
    expect(scimOperation('get', '/users/8c1f')).toEqual({ route: '/scim/v2/lists/:listId/Users/:id', resource: 'User', operation: 'get' });
    expect(scimOperation('PATCH', '/Groups/x')).toMatchObject({ route: '/scim/v2/lists/:listId/Groups/:id', operation: 'patch' });
    expect(scimOperation('DELETE', '/Groups/x').operation).toBe('delete');
    expect(scimOperation('PUT', '/Users/x').operation).toBe('replace');
    expect(scimOperation('GET', '/Users').operation).toBe('list');
    expect(scimOperation('POST', '/Users/.search')).toMatchObject({ route: '/scim/v2/lists/:listId/Users/.search', operation: 'search' });
    expect(scimOperation('POST', '/.search')).toMatchObject({ resource: 'Search', operation: 'search' });
    expect(scimOperation('POST', '/Bulk')).toMatchObject({ resource: 'Bulk', operation: 'bulk' });
    expect(scimOperation('GET', '/Schemas/urn:x')).toMatchObject({ route: '/scim/v2/lists/:listId/Schemas/:id', operation: 'discovery' });
    expect(scimOperation('GET', '/ServiceConfiguration')).toMatchObject({ route: '/scim/v2/lists/:listId/ServiceProviderConfig' });
  });

  it('puts anything unknown under one template, so input never makes a new time series', () => {
    for (const rest of ['/constructor', '/Users/a/b', '/__proto__/x', `/${'x'.repeat(500)}`]) {
      expect(scimOperation('GET', rest)).toEqual({ route: '/scim/v2/lists/:listId/other', resource: 'other', operation: 'other' });
    }
  });
});
