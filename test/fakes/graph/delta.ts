// users/delta and groups/delta pages, computed from the directory and its change log.
//
// Documented behaviour this follows (learn.microsoft.com/graph/…):
// - delta-query-overview: a first round returns every current object (objects created and deleted
//   before it are not returned); later rounds return objects changed since the token; removed
//   objects are `{id, "@removed": {reason}}` ("changed" = restorable, "deleted" = permanent);
//   relationships appear as `manager@delta` / `members@delta`; $select limits which property
//   changes make an object appear; scoping filters only by id; "$deltatoken=latest" gives a
//   deltaLink and no data; "do not assume a specific sequence"; replays are possible.
// - user-delta / group-delta: "The id property is always returned"; by default a change returns
//   all selected properties (changed or not); `Prefer: return=minimal` only the changed ones;
//   a navigation property (manager) only when it changed, removals as `@removed`;
//   up to 50 ids in the scoping $filter.
// - delta-query-groups, "Paging through members in a large group": the same group object can
//   appear on several pages, each with part of members@delta; clients must merge.
import type { Directory, GraphGroup, GraphUser } from './directory.js';
import { GROUP_PROPS, USER_PROPS } from './directory.js';
import { GraphError } from './errors.js';
import type { StateToken } from './state-token.js';

type Json = Record<string, unknown>;

const USER_SELECTABLE = ['id', ...USER_PROPS, 'manager'];
const GROUP_SELECTABLE = ['id', ...GROUP_PROPS, 'members', 'mailNickname', 'securityEnabled', 'mailEnabled', 'groupTypes'];
/** Graph's default user properties when there is no $select (user-delta example 1). */
const USER_DEFAULT = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
  'officeLocation', 'surname', 'userPrincipalName'];
const GROUP_DEFAULT = ['displayName', 'description', 'mailNickname', 'securityEnabled', 'mailEnabled', 'groupTypes', 'members'];

export const USER_TYPE = '#microsoft.graph.user';

/** Parses $select, matching names case-insensitively as OData does; unknown names are a 400. */
export function parseSelect(raw: string | null, kind: 'user' | 'group'): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const known = kind === 'user' ? USER_SELECTABLE : GROUP_SELECTABLE;
  return raw.split(',').map((name) => {
    const match = known.find((k) => k.toLowerCase() === name.trim().toLowerCase());
    if (!match) {
      throw new GraphError(400, 'BadRequest',
        `Could not find a property named '${name.trim()}' on type 'microsoft.graph.${kind}'.`);
    }
    return match;
  });
}

/** Parses the delta scoping filter `id eq '…' or id eq '…'` (the only $filter delta supports). */
export function parseScopeFilter(raw: string | null): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const ids = raw.trim().split(/\s+or\s+/i).map((clause) => {
    const m = /^\(?\s*id\s+eq\s+'([^']+)'\s*\)?$/i.exec(clause.trim());
    if (!m?.[1]) throw new GraphError(400, 'Request_UnsupportedQuery', 'Unsupported query.');
    return m[1];
  });
  if (ids.length > 50) {
    throw new GraphError(400, 'Request_UnsupportedQuery',
      'The number of ids in the filter exceeds the limit of 50.');
  }
  return ids;
}

export interface DeltaPage {
  readonly value: Json[];
  /** Token for @odata.nextLink; when null the page ends the round with a deltaLink. */
  readonly next: StateToken | null;
}

function scoped(token: StateToken, id: string): boolean {
  return !Array.isArray(token.filter) || token.filter.includes(id);
}

function tracked(token: StateToken, prop: string, kind: 'user' | 'group'): boolean {
  if (token.select) return prop === 'id' || token.select.includes(prop);
  return kind === 'user' ? prop !== 'manager' : true;
}

export function renderUser(user: GraphUser, select: readonly string[] | null, only?: ReadonlySet<string>): Json {
  const props = (select ?? USER_DEFAULT).filter((p) => p !== 'id' && p !== 'manager' && (!only || only.has(p)));
  const out: Json = {};
  for (const p of props) {
    const value = user[p as keyof GraphUser];
    out[p] = p === 'onPremisesExtensionAttributes' || p === 'businessPhones'
      ? structuredClone(value) : value ?? null;
  }
  out.id = user.id;
  return out;
}

export function renderGroup(group: GraphGroup, select: readonly string[] | null, only?: ReadonlySet<string>): Json {
  const derived: Json = {
    displayName: group.displayName,
    description: group.description,
    mailNickname: group.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    securityEnabled: true,
    mailEnabled: false,
    groupTypes: [],
  };
  const out: Json = {};
  for (const p of select ?? GROUP_DEFAULT) {
    if (p === 'id' || p === 'members' || (only && !only.has(p))) continue;
    out[p] = derived[p] ?? null;
  }
  out.id = group.id;
  return out;
}

const member = (id: string): Json => ({ '@odata.type': USER_TYPE, id });
const removedMember = (id: string): Json => ({ ...member(id), '@removed': { reason: 'deleted' } });

export function usersDeltaPage(dir: Directory, token: StateToken, pageSize: number, minimal: boolean): DeltaPage {
  const value: Json[] = [];
  if (token.since === null) {
    // First round: every current user, in creation order; the cursor is a creation index, so
    // users deleted mid-round are skipped rather than shifting the pages.
    let offset = token.offset;
    while (offset < dir.userOrder.length && value.length < pageSize) {
      const user = dir.users.get(dir.userOrder[offset++] ?? '');
      if (!user || !scoped(token, user.id)) continue;
      const out = renderUser(user, token.select);
      if (tracked(token, 'manager', 'user') && user.managerId) out['manager@delta'] = [member(user.managerId)];
      value.push(out);
    }
    return { value, next: offset < dir.userOrder.length ? { ...token, offset } : null };
  }
  const changes = userChanges(dir, token);
  const ids = [...changes.keys()];
  for (const id of ids.slice(token.offset, token.offset + pageSize)) {
    const change = changes.get(id);
    const user = dir.users.get(id);
    if (!user || !change) {
      const reason = dir.deletedUsers.has(id) ? 'changed' : 'deleted';
      value.push({ id, '@removed': { reason } });
      continue;
    }
    const out = renderUser(user, token.select, minimal ? change.props : undefined);
    // Navigation properties are returned only when they changed, with or without
    // `Prefer: return=minimal` (user-delta, "Properties"; delta-query-overview, "Tracking changes to
    // relationships"): a user whose manager stayed the same comes without `manager@delta`.
    if (tracked(token, 'manager', 'user') && change.props.has('manager')) {
      const links = user.managerId ? [member(user.managerId)] : [];
      for (const old of change.oldManagers) if (old && old !== user.managerId) links.push(removedMember(old));
      if (links.length > 0) out['manager@delta'] = links;
    }
    value.push(out);
  }
  const offset = token.offset + pageSize;
  return { value, next: offset < ids.length ? { ...token, offset } : null };
}

interface UserChange { props: Set<string>; oldManagers: Set<string | null> }

/** Users changed in (since, position], ordered by their last change, filtered by $select. */
function userChanges(dir: Directory, token: StateToken): Map<string, UserChange> {
  const out = new Map<string, UserChange>();
  const removed = new Set<string>();
  for (let i = token.since ?? 0; i < token.position; i++) {
    const entry = dir.log[i];
    if (!entry || !scoped(token, entry.id)) continue;
    if (entry.kind === 'user-removed') removed.add(entry.id);
    else if (entry.kind !== 'user') continue;
    const change = out.get(entry.id) ?? { props: new Set<string>(), oldManagers: new Set<string | null>() };
    out.delete(entry.id);
    if (entry.kind === 'user') {
      for (const p of entry.props) if (tracked(token, p, 'user')) change.props.add(p);
      if (entry.props.includes('manager') && entry.oldManagerId !== undefined) change.oldManagers.add(entry.oldManagerId);
    }
    out.set(entry.id, change);
  }
  // A change only to properties outside $select does not make the user appear (overview).
  for (const [id, change] of out) {
    if (change.props.size === 0 && !removed.has(id) && dir.users.has(id)) out.delete(id);
  }
  return out;
}

interface GroupChange { props: Set<string>; members: Set<string>; removed: 'changed' | 'deleted' | null }

export function groupsDeltaPage(dir: Directory, token: StateToken, pageSize: number, minimal: boolean): DeltaPage {
  const value: Json[] = [];
  const withMembers = tracked(token, 'members', 'group');
  let budget = pageSize;
  let offset = token.offset;
  let memberOffset = token.memberOffset;
  if (token.since === null) {
    // First round. memberOffset is the add-sequence of the last member sent, so a big group
    // resumes exactly where the previous page stopped even if membership changes meanwhile.
    while (offset < dir.groupOrder.length && budget > 0) {
      const group = dir.groups.get(dir.groupOrder[offset] ?? '');
      if (!group || !scoped(token, group.id)) {
        offset++;
        memberOffset = 0;
        continue;
      }
      const out = renderGroup(group, token.select);
      let remaining: [string, number][] = [];
      if (withMembers) remaining = [...group.members].filter(([, seq]) => seq > memberOffset);
      const chunk = remaining.slice(0, budget);
      if (chunk.length > 0) out['members@delta'] = chunk.map(([id]) => member(id));
      value.push(out);
      budget -= Math.max(1, chunk.length);
      if (chunk.length < remaining.length) {
        memberOffset = chunk[chunk.length - 1]?.[1] ?? memberOffset;
        return { value, next: { ...token, offset, memberOffset } };
      }
      offset++;
      memberOffset = 0;
    }
    return { value, next: offset < dir.groupOrder.length ? { ...token, offset, memberOffset: 0 } : null };
  }
  // Change round: memberOffset indexes the group's list of changed members.
  const changes = groupChanges(dir, token, withMembers);
  const ids = [...changes.keys()];
  while (offset < ids.length && budget > 0) {
    const id = ids[offset] ?? '';
    const change = changes.get(id);
    const group = dir.groups.get(id);
    if (!change) break;
    if (!group) {
      value.push({ id, '@removed': { reason: change.removed ?? 'deleted' } });
      budget--;
      offset++;
      continue;
    }
    const out = renderGroup(group, token.select, minimal ? change.props : undefined);
    const changedMembers = [...change.members];
    const chunk = changedMembers.slice(memberOffset, memberOffset + budget);
    if (chunk.length > 0) {
      out['members@delta'] = chunk.map((uid) => (group.members.has(uid) ? member(uid) : removedMember(uid)));
    }
    value.push(out);
    budget -= Math.max(1, chunk.length);
    if (memberOffset + chunk.length < changedMembers.length) {
      return { value, next: { ...token, offset, memberOffset: memberOffset + chunk.length } };
    }
    offset++;
    memberOffset = 0;
  }
  return { value, next: offset < ids.length ? { ...token, offset, memberOffset: 0 } : null };
}

function groupChanges(dir: Directory, token: StateToken, withMembers: boolean): Map<string, GroupChange> {
  const out = new Map<string, GroupChange>();
  for (let i = token.since ?? 0; i < token.position; i++) {
    const entry = dir.log[i];
    if (!entry || !scoped(token, entry.id)) continue;
    if (entry.kind !== 'group' && entry.kind !== 'member' && entry.kind !== 'group-removed') continue;
    const change = out.get(entry.id) ?? { props: new Set<string>(), members: new Set<string>(), removed: null };
    out.delete(entry.id);
    if (entry.kind === 'group') {
      for (const p of entry.props) if (tracked(token, p, 'group')) change.props.add(p);
    } else if (entry.kind === 'member') {
      if (withMembers) change.members.add(entry.userId);
    } else {
      change.removed = entry.reason;
    }
    out.set(entry.id, change);
  }
  for (const [id, change] of out) {
    const live = dir.groups.has(id);
    if (live && change.props.size === 0 && change.members.size === 0) out.delete(id);
  }
  return out;
}
