// GET /groups for a group picker: $filter=startswith(displayName,'x') (or displayName/id eq),
// $search="displayName:x" (advanced query: needs ConsistencyLevel: eventual), $select, $top,
// $count=true, $orderby=displayName, and nextLink paging.
// Sources: learn.microsoft.com/graph/api/group-list, /graph/aad-advanced-queries,
// /graph/search-query-parameter (directory $search tokenises displayName and matches prefixes).
import type { Directory, GraphGroup } from './directory.js';
import { parseSelect, renderGroup } from './delta.js';
import { errors, GraphError } from './errors.js';
import type { StateToken } from './state-token.js';

export interface ListQuery {
  readonly filter: string | null;
  readonly search: string | null;
  readonly select: readonly string[] | null;
  readonly top: number;
  readonly orderby: boolean;
  readonly count: boolean;
}

export function parseListQuery(q: URLSearchParams, eventual: boolean): ListQuery {
  const search = q.get('$search');
  if (search !== null && !eventual) throw errors.searchNeedsEventual();
  const count = q.get('$count') === 'true';
  const topRaw = q.get('$top');
  const top = topRaw === null ? 100 : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    throw new GraphError(400, 'Request_BadRequest',
      `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
  }
  const orderby = q.get('$orderby');
  if (orderby !== null && !/^displayName(\s+asc)?$/i.test(orderby.trim())) {
    throw errors.unsupportedQuery('The emulator only supports $orderby=displayName.');
  }
  const filter = q.get('$filter');
  if (filter !== null && orderby !== null && !(eventual && count)) {
    // aad-advanced-queries: $filter with $orderby needs ConsistencyLevel and $count=true.
    throw errors.unsupportedQuery('Sorting not supported for current query.');
  }
  const parsed: ListQuery = {
    filter, search, select: parseSelect(q.get('$select'), 'group'), top, orderby: orderby !== null, count,
  };
  matcher(parsed); // validate $filter and $search up front
  return parsed;
}

function matcher(query: Pick<ListQuery, 'filter' | 'search'>): (g: GraphGroup) => boolean {
  const tests: ((g: GraphGroup) => boolean)[] = [];
  if (query.filter !== null) {
    const f = query.filter.trim();
    const starts = /^startswith\(\s*displayName\s*,\s*'((?:[^']|'')*)'\s*\)$/i.exec(f);
    const eq = /^(displayName|id)\s+eq\s+'((?:[^']|'')*)'$/i.exec(f);
    if (starts) {
      // Directory string comparisons are case-insensitive.
      const prefix = (starts[1] ?? '').replace(/''/g, "'").toLowerCase();
      tests.push((g) => g.displayName.toLowerCase().startsWith(prefix));
    } else if (eq) {
      const value = (eq[2] ?? '').replace(/''/g, "'").toLowerCase();
      const prop = eq[1]?.toLowerCase() === 'id' ? 'id' : 'displayName';
      tests.push((g) => g[prop].toLowerCase() === value);
    } else {
      throw errors.unsupportedQuery(`Unsupported or invalid query filter clause specified for property of resource 'Group'.`);
    }
  }
  if (query.search !== null) {
    const m = /^"(?:(displayName|description):)?([^"]*)"$/i.exec(query.search.trim());
    if (!m) throw new GraphError(400, 'Request_UnsupportedQuery', 'Syntax error: character \'"\' is not valid at position 0.');
    const prop = m[1]?.toLowerCase() === 'description' ? 'description' : 'displayName';
    const terms = tokens(m[2] ?? '');
    tests.push((g) => {
      const words = tokens(g[prop] ?? '');
      return terms.every((t) => words.some((w) => w.startsWith(t)));
    });
  }
  return (g) => tests.every((t) => t(g));
}

/** Splits like directory $search does: on spaces, punctuation and lower→upper case changes. */
function tokens(text: string): string[] {
  return text.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

export interface ListPage {
  readonly body: Record<string, unknown>;
  readonly next: StateToken | null;
}

export function listGroups(dir: Directory, query: ListQuery, offset: number, epoch: number): ListPage {
  const match = matcher(query);
  let all = dir.groupOrder.map((id) => dir.groups.get(id)).filter((g): g is GraphGroup => !!g && match(g));
  if (query.orderby) all = [...all].sort((a, b) => a.displayName.localeCompare(b.displayName));
  const page = all.slice(offset, offset + query.top);
  const body: Record<string, unknown> = {};
  if (query.count) body['@odata.count'] = all.length;
  body.value = page.map((g) => renderGroup(g, query.select ?? ['displayName', 'description', 'mailNickname',
    'securityEnabled', 'mailEnabled', 'groupTypes']));
  const nextOffset = offset + query.top;
  const next: StateToken | null = nextOffset < all.length
    ? {
      kind: 'groups-list', link: 'next', select: query.select, filter: query.filter, search: query.search,
      top: query.top, orderby: query.orderby, count: query.count,
      position: 0, since: null, offset: nextOffset, memberOffset: 0, epoch,
    }
    : null;
  return { body, next };
}

export function listQueryFromToken(token: StateToken): ListQuery {
  return {
    filter: typeof token.filter === 'string' ? token.filter : null,
    search: token.search ?? null,
    select: token.select,
    top: token.top ?? 100,
    orderby: token.orderby ?? false,
    count: token.count ?? false,
  };
}
