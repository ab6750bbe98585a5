/**
 * A real, certified OpenID provider (the oidc-provider package) on a loopback port, for sign-in
 * tests. Its own login and consent pages (devInteractions: any login name, any password) sign in
 * the accounts a test puts in `users`. Two switches make it misbehave the way a test needs: an ID
 * token for another client (wrong `aud`), and an ID token already expired when issued.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface ProviderUser {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * A second application at the same provider whose `sub` is pairwise (OpenID Connect Core 1.0 §8.1):
   * the same person has another subject there, as at Entra ID, where `sub` differs per application.
   */
  readonly pairwiseClient: { readonly clientId: string; readonly clientSecret: string };
  /** Accounts by the login name typed on the provider's login page. */
  readonly users: Map<string, ProviderUser>;
  /** `wrongAudience`: ID tokens name another client; `expired`: ID tokens expired ten minutes before they are issued. */
  readonly misbehave: { wrongAudience: boolean; expired: boolean };
  close(): Promise<void>;
}

/**
 * `host`: the name in the issuer URL. `localhost` makes the provider another site than Muster on
 * 127.0.0.1 (cookies ignore ports, not names), as a real provider is: the browser journey uses it
 * so that the SameSite rules of Muster's cookies meet a cross-site redirect back.
 */
export async function startProvider(redirectUris: string[], host = '127.0.0.1'): Promise<TestProvider> {
  const users = new Map<string, ProviderUser>();
  const misbehave = { wrongAudience: false, expired: false };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const clientId = 'muster', clientSecret = 'muster-client-secret-for-tests-only-0123456789';
  const pairwiseClient = { clientId: 'muster-pairwise', clientSecret: 'muster-pairwise-secret-for-tests-only-0123456789' };
  const provider = new Provider(issuer, {
    clients: [
      { client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, grant_types: ['authorization_code'], response_types: ['code'] },
      { client_id: pairwiseClient.clientId, client_secret: pairwiseClient.clientSecret, redirect_uris: redirectUris, grant_types: ['authorization_code'], response_types: ['code'], subject_type: 'pairwise' },
    ],
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: (_ctx: unknown, accountId: string, client: { clientId: string }) => createHash('sha256').update(`${client.clientId}/${accountId}`).digest('base64url'),
    findAccount: (_ctx: unknown, id: string) => {
      const u = users.get(id);
      return u ? { accountId: id, claims: () => ({ sub: id, ...u }) } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    ttl: { IdToken: () => (misbehave.expired ? -600 : 3600) },
    cookies: { keys: ['oidc-provider test cookie key'] },
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    features: { devInteractions: { enabled: true } },
  });
  // A provider that signs an ID token for another client: the signature, issuer and expiry are good, the audience is not Muster.
  const issue = provider.IdToken.prototype.issue;
  provider.IdToken.prototype.issue = function patched(this: { client: { clientId: string } }, opts: { use?: string }) {
    if (misbehave.wrongAudience && opts?.use === 'idtoken') this.client = Object.create(this.client, { clientId: { value: 'another-app' } }) as { clientId: string };
    return issue.call(this, opts);
  } as typeof issue;
  server.on('request', provider.callback());
  return {
    issuer, clientId, clientSecret, pairwiseClient, users, misbehave,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
