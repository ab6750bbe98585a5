// The emulated tenant: users, groups, and an append-only change log. Every mutation appends one
// entry per changed object; an entry's position is its index + 1, so a delta token only has to
// carry a position (see delta.ts).
import { randomUUID } from 'node:crypto';

export type ExtensionAttributes = { [K in `extensionAttribute${
  1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15}`]: string | null };

export interface GraphUser {
  readonly id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  employeeId: string | null;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  employeeType: string | null;
  accountEnabled: boolean;
  onPremisesExtensionAttributes: ExtensionAttributes;
  /** Not a Graph property: the id behind the `manager` navigation property. */
  managerId: string | null;
}

export type UserInput = Partial<Omit<GraphUser, 'onPremisesExtensionAttributes'>> & {
  onPremisesExtensionAttributes?: Partial<ExtensionAttributes>;
};

export interface GraphGroup {
  readonly id: string;
  displayName: string;
  description: string | null;
  /** Member user id → sequence number of the add (insertion order; a stable paging cursor). */
  readonly members: Map<string, number>;
}

export type ChangeEntry =
  | { readonly kind: 'user'; readonly id: string; readonly props: readonly string[]; readonly oldManagerId?: string | null }
  | { readonly kind: 'user-removed'; readonly id: string; readonly reason: 'changed' | 'deleted' }
  | { readonly kind: 'group'; readonly id: string; readonly props: readonly string[] }
  | { readonly kind: 'member'; readonly id: string; readonly userId: string }
  | { readonly kind: 'group-removed'; readonly id: string; readonly reason: 'changed' | 'deleted' };

/** The Graph properties of a user that the emulator stores and tracks. */
export const USER_PROPS = [
  'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'employeeId', 'jobTitle',
  'department', 'companyName', 'officeLocation', 'mobilePhone', 'businessPhones', 'employeeType',
  'accountEnabled', 'onPremisesExtensionAttributes',
] as const;
export const GROUP_PROPS = ['displayName', 'description'] as const;

const EMPTY_EXTENSION_ATTRIBUTES: Readonly<ExtensionAttributes> = Object.freeze(Object.fromEntries(
  Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]),
) as ExtensionAttributes);

export function emptyExtensionAttributes(): ExtensionAttributes {
  return { ...EMPTY_EXTENSION_ATTRIBUTES };
}

export class Directory {
  readonly users = new Map<string, GraphUser>();
  /** Soft-deleted users (Entra "deleted items"); not listed, reported as @removed "changed". */
  readonly deletedUsers = new Map<string, GraphUser>();
  readonly groups = new Map<string, GraphGroup>();
  readonly photos = new Map<string, Buffer>();
  readonly log: ChangeEntry[] = [];
  /** Creation order of users and groups: the cursor for first-round paging. */
  readonly userOrder: string[] = [];
  readonly groupOrder: string[] = [];
  private memberSeq = 0;

  get position(): number {
    return this.log.length;
  }

  addUser(input: UserInput = {}): GraphUser {
    const id = input.id ?? randomUUID();
    if (this.users.has(id) || this.deletedUsers.has(id)) throw new Error(`user ${id} already exists`);
    const nick = id.slice(0, 8);
    const user: GraphUser = {
      id,
      displayName: input.displayName ?? `User ${nick}`,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      mail: input.mail ?? null,
      userPrincipalName: input.userPrincipalName ?? `${nick}@contoso.onmicrosoft.com`,
      employeeId: input.employeeId ?? null,
      jobTitle: input.jobTitle ?? null,
      department: input.department ?? null,
      companyName: input.companyName ?? null,
      officeLocation: input.officeLocation ?? null,
      mobilePhone: input.mobilePhone ?? null,
      businessPhones: [...(input.businessPhones ?? [])],
      employeeType: input.employeeType ?? null,
      accountEnabled: input.accountEnabled ?? true,
      onPremisesExtensionAttributes: { ...EMPTY_EXTENSION_ATTRIBUTES, ...input.onPremisesExtensionAttributes },
      managerId: null,
    };
    if (input.managerId) this.requireUser(input.managerId);
    user.managerId = input.managerId ?? null;
    this.users.set(id, user);
    this.userOrder.push(id);
    this.log.push({ kind: 'user', id, props: [...USER_PROPS, 'manager'] });
    return user;
  }

  updateUser(id: string, patch: UserInput): GraphUser {
    const user = this.requireUser(id);
    const changed: string[] = [];
    for (const prop of USER_PROPS) {
      if (!(prop in patch)) continue;
      if (prop === 'onPremisesExtensionAttributes') {
        const next = { ...user.onPremisesExtensionAttributes, ...patch.onPremisesExtensionAttributes };
        if (JSON.stringify(next) === JSON.stringify(user.onPremisesExtensionAttributes)) continue;
        user.onPremisesExtensionAttributes = next;
      } else {
        const value = patch[prop];
        if (JSON.stringify(value) === JSON.stringify(user[prop])) continue;
        (user as unknown as Record<string, unknown>)[prop] = Array.isArray(value) ? [...value] : value;
      }
      changed.push(prop);
    }
    const oldManagerId = user.managerId;
    if ('managerId' in patch && (patch.managerId ?? null) !== user.managerId) {
      if (patch.managerId) this.requireUser(patch.managerId);
      user.managerId = patch.managerId ?? null;
      changed.push('manager');
    }
    if (changed.length > 0) this.log.push({ kind: 'user', id, props: changed, oldManagerId });
    return user;
  }

  /**
   * Soft delete by default (restorable from deleted items: @removed reason "changed"); hard is a
   * permanent delete (reason "deleted") — delta-query-users, "@removed annotation". A deleted
   * user also leaves every group, which groups delta reports as a removed member.
   */
  deleteUser(id: string, opts: { hard?: boolean } = {}): void {
    const user = this.users.get(id) ?? this.deletedUsers.get(id);
    if (!user) throw new Error(`no user ${id}`);
    const wasActive = this.users.delete(id);
    if (wasActive) {
      for (const group of this.groups.values()) {
        if (group.members.delete(id)) this.log.push({ kind: 'member', id: group.id, userId: id });
      }
    }
    if (opts.hard) this.deletedUsers.delete(id);
    else this.deletedUsers.set(id, user);
    this.photos.delete(id);
    this.log.push({ kind: 'user-removed', id, reason: opts.hard ? 'deleted' : 'changed' });
  }

  /** Restores a soft-deleted user (it reappears in delta without @removed). */
  restoreUser(id: string): GraphUser {
    const user = this.deletedUsers.get(id);
    if (!user) throw new Error(`no soft-deleted user ${id}`);
    this.deletedUsers.delete(id);
    this.users.set(id, user);
    this.log.push({ kind: 'user', id, props: [...USER_PROPS, 'manager'] });
    return user;
  }

  addGroup(displayName: string, opts: { id?: string; description?: string } = {}): GraphGroup {
    const id = opts.id ?? randomUUID();
    if (this.groups.has(id)) throw new Error(`group ${id} already exists`);
    const group: GraphGroup = { id, displayName, description: opts.description ?? null, members: new Map() };
    this.groups.set(id, group);
    this.groupOrder.push(id);
    this.log.push({ kind: 'group', id, props: [...GROUP_PROPS] });
    return group;
  }

  updateGroup(id: string, patch: { displayName?: string; description?: string | null }): GraphGroup {
    const group = this.requireGroup(id);
    const changed: string[] = [];
    if (patch.displayName !== undefined && patch.displayName !== group.displayName) {
      group.displayName = patch.displayName;
      changed.push('displayName');
    }
    if (patch.description !== undefined && patch.description !== group.description) {
      group.description = patch.description;
      changed.push('description');
    }
    if (changed.length > 0) this.log.push({ kind: 'group', id, props: changed });
    return group;
  }

  /** Returns false when the user was already a member (nothing is logged). */
  addMember(groupId: string, userId: string): boolean {
    const group = this.requireGroup(groupId);
    this.requireUser(userId);
    if (group.members.has(userId)) return false;
    group.members.set(userId, ++this.memberSeq);
    this.log.push({ kind: 'member', id: groupId, userId });
    return true;
  }

  /** Returns false when the user was not a member (nothing is logged). */
  removeMember(groupId: string, userId: string): boolean {
    const group = this.requireGroup(groupId);
    if (!group.members.delete(userId)) return false;
    this.log.push({ kind: 'member', id: groupId, userId });
    return true;
  }

  deleteGroup(id: string, opts: { hard?: boolean } = {}): void {
    this.requireGroup(id);
    this.groups.delete(id);
    this.log.push({ kind: 'group-removed', id, reason: opts.hard ? 'deleted' : 'changed' });
  }

  requireUser(id: string): GraphUser {
    const user = this.users.get(id);
    if (!user) throw new Error(`no user ${id}`);
    return user;
  }

  requireGroup(id: string): GraphGroup {
    const group = this.groups.get(id);
    if (!group) throw new Error(`no group ${id}`);
    return group;
  }
}
