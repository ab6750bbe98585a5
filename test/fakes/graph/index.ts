// A Microsoft Graph + identity platform emulator for tests: a real HTTP server on 127.0.0.1:0
// implementing client-credentials tokens, users/delta, groups/delta, a group picker list,
// $count, manager and photo, with a change log behind the delta tokens and fault injection.
// Behaviour follows Microsoft's documentation; each quirk names its source where it is coded.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessTokens } from './auth.js';
import type { GraphGroup, GraphUser, UserInput } from './directory.js';
import { Directory } from './directory.js';
import type { FaultSpec } from './faults.js';
import { Faults } from './faults.js';
import { TINY_JPEG } from './jpeg.js';
import type { SeedSpec } from './seed.js';
import { seedDirectory } from './seed.js';
import type { RecordedRequest, ServerState } from './server.js';
import { createHandler } from './server.js';
import { StateTokens } from './state-token.js';

export type { ExtensionAttributes, GraphGroup, GraphUser, UserInput } from './directory.js';
export type { FaultSpec } from './faults.js';
export type { RecordedRequest } from './server.js';
export type { SeedSpec } from './seed.js';
export { TINY_JPEG } from './jpeg.js';

export interface GraphEmulatorOptions {
  /** Objects per delta page (and member budget per groups/delta page). Default 100. */
  readonly pageSize?: number;
  /** Access token lifetime in seconds (expires_in). Default 3599. */
  readonly tokenLifetimeS?: number;
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Application permissions granted to the app. Default User.Read.All + GroupMember.Read.All. */
  readonly permissions?: readonly string[];
  /**
   * Prefix text/plain $count bodies with a UTF-8 BOM, as Graph's OData stack has been seen to do
   * (microsoftgraph/microsoft-graph-docs#679; oasis-tcs/odata-specs#325 tells clients to expect
   * it). Default true so clients learn to tolerate it.
   */
  readonly countBom?: boolean;
  /**
   * The emulator's clock in milliseconds (access token expiry). Default Date.now; tests pass their
   * own to expire tokens deterministically instead of sleeping past a deadline.
   */
  readonly now?: () => number;
}

/** A group as tests see it: members as an array of user ids. */
export interface GroupView {
  readonly id: string;
  readonly displayName: string;
  readonly description: string | null;
  readonly members: readonly string[];
}

export interface GraphEmulator {
  /** Base URL, e.g. http://127.0.0.1:PORT. Graph is `${url}/v1.0`; the authority is `${url}`. */
  readonly url: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request answered, in order (token endpoint included). */
  readonly requests: RecordedRequest[];
  /** The current change-log position (what a deltaLink issued now would carry). */
  readonly position: number;

  addUser(partial?: UserInput): GraphUser;
  updateUser(id: string, patch: UserInput): GraphUser;
  /** Soft delete by default (@removed reason "changed"); hard: true → reason "deleted". */
  deleteUser(id: string, opts?: { hard?: boolean }): void;
  restoreUser(id: string): GraphUser;
  getUser(id: string): GraphUser | undefined;
  /** Sets (or with null removes) a profile photo; photo changes are not tracked by delta. */
  setPhoto(userId: string, jpeg?: Buffer | null): void;
  addGroup(name: string, opts?: { id?: string; description?: string }): GroupView;
  updateGroup(id: string, patch: { displayName?: string; description?: string | null }): GroupView;
  addMember(groupId: string, userId: string): boolean;
  removeMember(groupId: string, userId: string): boolean;
  /** Soft delete by default (@removed reason "changed"); hard: true → reason "deleted". */
  deleteGroup(id: string, opts?: { hard?: boolean }): void;
  getGroup(id: string): GroupView | undefined;
  /** Creates realistic users (with managers) and groups with the given member counts. */
  seed(spec: SeedSpec): { readonly users: readonly GraphUser[]; readonly groups: readonly GroupView[] };

  inject(fault: FaultSpec): void;
  clearFaults(): void;
  /**
   * Every delta/skip token issued so far stops working. Default answer 410 with
   * syncStateNotFound; status 400 is what Microsoft's 2020 token-lifetime post describes.
   */
  expireDeltaTokens(opts?: { status?: 400 | 410 }): void;
  /** Every access token issued so far answers 401 InvalidAuthenticationToken. */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

/** A detached copy, so tests cannot change the tenant behind the change log's back. */
const copyOf = (u: GraphUser): GraphUser =>
  ({ ...u, businessPhones: [...u.businessPhones], onPremisesExtensionAttributes: { ...u.onPremisesExtensionAttributes } });

const viewOf = (g: GraphGroup): GroupView =>
  ({ id: g.id, displayName: g.displayName, description: g.description, members: [...g.members.keys()] });

export async function startGraphEmulator(opts: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const dir = new Directory();
  const faults = new Faults();
  const accessTokens = new AccessTokens(opts.now);
  const state: ServerState = {
    dir,
    app: {
      tenantId: opts.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47',
      clientId: opts.clientId ?? '11111111-2222-4333-8444-555555555555',
      clientSecret: opts.clientSecret ?? 'emulator~secret.value',
      permissions: opts.permissions ?? ['User.Read.All', 'GroupMember.Read.All'],
    },
    pageSize: opts.pageSize ?? 100,
    tokenLifetimeS: opts.tokenLifetimeS ?? 3599,
    accessTokens,
    stateTokens: new StateTokens(),
    faults,
    requests: [],
    deltaEpoch: 0,
    resyncStatus: 410,
    countBom: opts.countBom ?? true,
    baseUrl: '',
  };
  if (!Number.isInteger(state.pageSize) || state.pageSize < 1) throw new Error('pageSize must be a positive integer');
  const server = createServer(createHandler(state));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: state.baseUrl,
    tenantId: state.app.tenantId,
    clientId: state.app.clientId,
    clientSecret: state.app.clientSecret,
    requests: state.requests,
    get position() {
      return dir.position;
    },
    addUser: (partial) => copyOf(dir.addUser(partial)),
    updateUser: (id, patch) => copyOf(dir.updateUser(id, patch)),
    deleteUser: (id, o) => dir.deleteUser(id, o),
    restoreUser: (id) => copyOf(dir.restoreUser(id)),
    getUser: (id) => {
      const u = dir.users.get(id);
      return u && copyOf(u);
    },
    setPhoto: (userId, jpeg = TINY_JPEG) => {
      dir.requireUser(userId);
      if (jpeg) dir.photos.set(userId, jpeg);
      else dir.photos.delete(userId);
    },
    addGroup: (name, o) => viewOf(dir.addGroup(name, o)),
    updateGroup: (id, patch) => viewOf(dir.updateGroup(id, patch)),
    addMember: (g, u) => dir.addMember(g, u),
    removeMember: (g, u) => dir.removeMember(g, u),
    deleteGroup: (id, o) => dir.deleteGroup(id, o),
    getGroup: (id) => {
      const g = dir.groups.get(id);
      return g && viewOf(g);
    },
    seed: (spec) => {
      const seeded = seedDirectory(dir, spec);
      return { users: seeded.users.map((u) => copyOf(u)), groups: seeded.groups.map(viewOf) };
    },
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    expireDeltaTokens: (o = {}) => {
      state.deltaEpoch++;
      state.resyncStatus = o.status ?? 410;
    },
    expireAccessTokens: () => accessTokens.expireAll(),
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
