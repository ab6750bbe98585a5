/**
 * What a SCIM request was, in words with a bounded set of values, for metrics: its route template
 * (never the raw path, whose ids would make one time series per person) and the operation
 * (RFC 7644 §3.3 create, §3.4 query, §3.5 replace and modify, §3.6 delete, §3.7 bulk).
 */

export interface ScimOperation {
  /** `/scim/v2/lists/:listId/Users/:id`, …; `/scim/v2/lists/:listId/other` for anything unknown. */
  readonly route: string;
  /** `User`, `Group`, `Bulk`, `Search` (root .search), `Discovery`, `other`. */
  readonly resource: string;
  /** `create`, `get`, `list`, `search`, `replace`, `patch`, `delete`, `bulk`, `discovery`, `other`. */
  readonly operation: string;
}

const PREFIX = '/scim/v2/lists/:listId';
const RESOURCES: ReadonlyMap<string, string> = new Map([['users', 'Users'], ['groups', 'Groups']]);
const DISCOVERY: ReadonlyMap<string, string> = new Map([
  ['serviceproviderconfig', 'ServiceProviderConfig'], ['serviceconfiguration', 'ServiceProviderConfig'], ['schemas', 'Schemas'], ['resourcetypes', 'ResourceTypes'],
]);
const BY_ID: ReadonlyMap<string, string> = new Map([['GET', 'get'], ['PUT', 'replace'], ['PATCH', 'patch'], ['DELETE', 'delete']]);

/** Classifies `rest`, the path after the list's base URL, by segments compared case-insensitively (as routing does). */
export function scimOperation(method: string, rest: string): ScimOperation {
  const m = method.toUpperCase();
  const segs = rest.split('/').filter(Boolean).map((s) => s.toLowerCase());
  const other: ScimOperation = { route: `${PREFIX}/other`, resource: 'other', operation: 'other' };
  if (segs.length === 0) return { route: PREFIX, resource: 'other', operation: 'other' };
  if (segs.length === 1 && segs[0] === '.search') return { route: `${PREFIX}/.search`, resource: 'Search', operation: 'search' };
  const collection = RESOURCES.get(segs[0]!);
  if (collection) {
    const resource = collection.slice(0, -1);
    if (segs.length === 1) return { route: `${PREFIX}/${collection}`, resource, operation: m === 'POST' ? 'create' : m === 'GET' ? 'list' : 'other' };
    if (segs.length === 2 && segs[1] === '.search') return { route: `${PREFIX}/${collection}/.search`, resource, operation: 'search' };
    if (segs.length === 2) return { route: `${PREFIX}/${collection}/:id`, resource, operation: BY_ID.get(m) ?? 'other' };
    return other;
  }
  if (segs[0] === 'bulk' && segs.length === 1) return { route: `${PREFIX}/Bulk`, resource: 'Bulk', operation: 'bulk' };
  const discovery = DISCOVERY.get(segs[0]!);
  if (discovery && segs.length <= 2) return { route: `${PREFIX}/${discovery}${segs.length === 2 ? '/:id' : ''}`, resource: 'Discovery', operation: 'discovery' };
  return other;
}
