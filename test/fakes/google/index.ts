// A fake of Google for tests: the OAuth 2.0 token endpoint for service accounts and the Google
// Wallet REST API's generic classes and objects, on a real HTTP server (127.0.0.1:0), behaving
// as Google documents them (oauth.ts, wallet.ts, errors.ts say where), with fault injection.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults, type FaultSpec } from './faults.js';
import { AccessTokens } from './oauth.js';
import { createHandler, type FakeState, type RecordedRequest } from './server.js';
import { createServiceAccount, type ServiceAccount } from './service-account.js';
import { WalletStore, type Resource } from './wallet.js';

export type { FaultSpec } from './faults.js';
export type { RecordedRequest } from './server.js';
export { createServiceAccount, type ServiceAccount } from './service-account.js';
export { WALLET_SCOPE } from './server.js';

export interface GoogleFake {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** POST here for access tokens (what the key file's token_uri would say). */
  readonly tokenUrl: string;
  /** The Wallet API base, standing in for https://walletobjects.googleapis.com/walletobjects/v1. */
  readonly apiUrl: string;
  /** An issuer whose user is `account`. */
  readonly issuerId: string;
  readonly account: ServiceAccount;
  readonly requests: RecordedRequest[];
  /** Another service account known to Google; `issuerIds` it may use. */
  addAccount(issuerIds?: readonly string[]): ServiceAccount;
  getClass(id: string): Resource | undefined;
  getObject(id: string): Resource | undefined;
  /** As if someone deleted the object at Google (the API itself has no delete). */
  forgetObject(id: string): void;
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  /** Every access token issued so far answers 401 from now on. */
  expireAccessTokens(): void;
  /** Lifetime of tokens issued from now on (expires_in), seconds. */
  setTokenLifetime(seconds: number): void;
  close(): Promise<void>;
}

export async function startGoogleFake(opts: { issuerId?: string; tokenLifetimeS?: number } = {}): Promise<GoogleFake> {
  const issuerId = opts.issuerId ?? '3388000000022222228';
  const state: FakeState = {
    accounts: new Map(), issuers: new Map([[issuerId, new Set<string>()]]), tokens: new AccessTokens(),
    wallet: new WalletStore(), faults: new Faults(), requests: [], tokenLifetimeS: opts.tokenLifetimeS ?? 3599,
  };
  const server = createServer(createHandler(state));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const addAccount = (issuerIds: readonly string[] = [issuerId]) => {
    const a = createServiceAccount({ name: `issuer-${state.accounts.size + 1}`, tokenUri: `${url}/token` });
    state.accounts.set(a.clientEmail, a);
    for (const i of issuerIds) {
      if (!state.issuers.has(i)) state.issuers.set(i, new Set());
      state.issuers.get(i)!.add(a.clientEmail);
    }
    return a;
  };
  const account = addAccount();
  return {
    url, tokenUrl: `${url}/token`, apiUrl: `${url}/walletobjects/v1`, issuerId, account, requests: state.requests, addAccount,
    getClass: (id) => state.wallet.classes.get(id),
    getObject: (id) => state.wallet.objects.get(id),
    forgetObject: (id) => void state.wallet.objects.delete(id),
    inject: (f) => state.faults.add(f),
    clearFaults: () => state.faults.clear(),
    expireAccessTokens: () => state.tokens.expireAll(),
    setTokenLifetime: (s) => {
      state.tokenLifetimeS = s;
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
