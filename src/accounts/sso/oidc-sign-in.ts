/**
 * Sign-in with an organisation's OpenID Connect provider: the authorization code flow with PKCE
 * (RFC 7636), state and nonce (OpenID Connect Core 1.0 §3.1.2.1, §15.5.2), done by openid-client,
 * a certified relying-party library (openid.net/certification): it validates the ID token's
 * signature against the provider's JWKS, its issuer, audience, expiry and nonce (Core §3.1.3.7).
 * Muster keeps what a sign-in under way needs in oidc_logins, keyed by the hash of the state and
 * bound to the browser that started it by the hash of a cookie; a state is taken (deleted) by the
 * first callback that brings it, so it is good once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { Store } from '../../store/index.js';
import { AccountError, type AdminAccounts, type SessionInfo } from '../admin-accounts.js';
import { decide, subjectProblem } from './claims.js';
import type { SsoConnection, SsoConnections } from './sso-connections.js';

/** How long a browser has between "Sign in with …" and the provider's answer. */
export const LOGIN_TTL_MS = 10 * 60_000;
/** How long a provider's discovery document is used before it is read again. */
const METADATA_TTL_MS = 10 * 60_000;
/** Seconds to wait for the provider (discovery, token endpoint, JWKS). */
const IDP_TIMEOUT_S = 10;

/** Why a sign-in with the provider was refused: a stable code the sign-in page puts in words (docs/errors.md). */
export type SsoRefusalCode =
  | 'sso_not_configured' | 'idp_unreachable' | 'state_mismatch' | 'idp_error' | 'token_invalid'
  | 'email_missing' | 'email_unverified' | 'domain_not_allowed' | 'group_not_mapped' | 'sso_other_organisation' | 'sso_account_mismatch';

export class SsoRefusal extends Error {
  constructor(readonly code: SsoRefusalCode, message: string, readonly orgId?: string, readonly email?: string) {
    super(message);
    this.name = 'SsoRefusal';
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

/** Failures of the ID token's checks (oauth4webapi's codes): the token is not for us, expired, forged or replayed. */
const TOKEN_CHECKS = new Set([
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', 'OAUTH_KEY_SELECTION_FAILED', 'OAUTH_INVALID_RESPONSE', 'OAUTH_PARSE_ERROR',
]);

function unreachable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  return e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.name === 'AddressRefused' || (err instanceof TypeError && /fetch failed/i.test(err.message))
    || /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN)$/.test(e?.cause?.code ?? e?.code ?? '')
    || e?.code === 'OAUTH_RESPONSE_IS_NOT_JSON' || e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM';
}

export interface SsoStart {
  readonly url: URL;
  /** The value of the cookie that binds the sign-in to this browser. */
  readonly browser: string;
  /** Names this sign-in's cookie (ssoCookieKey of its state), so that sign-ins in two tabs each keep their own. */
  readonly key: string;
}

/** The part of a sign-in's cookie name that its state decides: the callback finds the cookie from the state it brings. */
export const ssoCookieKey = (state: string): string => createHash('sha256').update(state, 'utf8').digest('base64url').slice(0, 16);

export class OidcSignIn {
  private readonly metadata = new Map<string, { version: string; at: number; server: client.ServerMetadata; jwks?: client.ExportedJWKSCache }>();

  constructor(
    private readonly store: Store,
    private readonly accounts: AdminAccounts,
    private readonly connections: SsoConnections,
    /** `fetch`: how the provider is reached (provider-fetch.ts: only where the operator's address policy allows). */
    private readonly opts: { readonly allowHttp: boolean; readonly fetch?: client.CustomFetch },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The organisation whose connection an email address's domain leads to, for the sign-in page. */
  async forEmail(email: string): Promise<SsoConnection | undefined> {
    const at = email.lastIndexOf('@');
    if (at < 0 || email.length > 320) return undefined;
    const orgId = await this.store.oidc.orgForDomain(email.slice(at + 1).trim().toLowerCase());
    return orgId ? this.connections.get(orgId) : undefined;
  }

  forOrg(orgId: string): Promise<SsoConnection | undefined> {
    return this.connections.get(orgId);
  }

  /**
   * The provider's configuration for one sign-in: its metadata from discovery (cached), the
   * client's credentials, and the clock openid-client checks `exp` and `iat` with (Muster's).
   */
  private async configuration(conn: SsoConnection): Promise<client.Configuration> {
    const hit = this.metadata.get(conn.orgId);
    let server: client.ServerMetadata;
    if (hit && hit.version === conn.version && Date.now() - hit.at < METADATA_TTL_MS) {
      server = hit.server;
    } else {
      try {
        const found = await client.discovery(new URL(conn.issuer), conn.clientId, undefined, undefined, {
          timeout: IDP_TIMEOUT_S, ...(this.opts.allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
          ...(this.opts.fetch ? { [client.customFetch]: this.opts.fetch } : {}),
        });
        server = found.serverMetadata();
      } catch (err) {
        throw new SsoRefusal('idp_unreachable', `${conn.displayName} (${conn.issuer}) could not be reached or sent no usable OpenID configuration: ${(err as Error).message}`, conn.orgId);
      }
      this.metadata.set(conn.orgId, { version: conn.version, at: Date.now(), server });
    }
    const config = new client.Configuration(server, conn.clientId, {
      client_secret: conn.clientSecret(),
      // openid-client compares exp/iat/nbf with Date.now() plus this skew: Muster's clock decides.
      [client.clockSkew]: Math.round((this.now().getTime() - Date.now()) / 1000),
    });
    config.timeout = IDP_TIMEOUT_S;
    if (this.opts.fetch) config[client.customFetch] = this.opts.fetch;
    if (this.opts.allowHttp) client.allowInsecureRequests(config);
    const jwks = this.metadata.get(conn.orgId)?.jwks;
    if (jwks) client.setJwksCache(config, jwks);
    return config;
  }

  /** Starts a sign-in: the provider's authorization URL, and the browser-binding cookie's value. */
  async start(orgId: string, redirectUri: string, loginHint?: string): Promise<SsoStart> {
    const conn = await this.connections.get(orgId);
    if (!conn) throw new SsoRefusal('sso_not_configured', 'this organisation does not sign in with an identity provider');
    const config = await this.configuration(conn);
    const state = client.randomState(), nonce = client.randomNonce(), verifier = client.randomPKCECodeVerifier();
    const browser = randomBytes(32).toString('base64url');
    const now = this.now();
    await this.store.oidc.deleteExpiredLogins(now.toISOString());
    await this.store.oidc.insertLogin({
      state_hash: sha256(state), browser_hash: sha256(browser), org_id: orgId, nonce, code_verifier: verifier,
      created_at: now.toISOString(), expires_at: new Date(now.getTime() + LOGIN_TTL_MS).toISOString(),
    });
    // Okta sends the groups claim only for the "groups" scope; ask for the claim's scope when the provider offers one by that name.
    const offered = config.serverMetadata().scopes_supported ?? [];
    const scope = ['openid', 'email', 'profile', ...(conn.rules.groupClaim && offered.includes(conn.rules.groupClaim) ? [conn.rules.groupClaim] : [])].join(' ');
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope, state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      ...(loginHint && loginHint.length <= 320 ? { login_hint: loginHint } : {}),
    });
    return { url, browser, key: ssoCookieKey(state) };
  }

  /**
   * The provider's answer: takes the sign-in its state names (once), checks it was started by this
   * browser, exchanges the code and validates the ID token (openid-client), then applies the
   * connection's rules and signs the account in. Every refusal and success is in the security log.
   */
  async callback(params: URLSearchParams, browser: string | undefined, redirectUri: string, userAgent?: string, address?: string): Promise<{ session: SessionInfo; created: boolean }> {
    try {
      return await this.complete(params, browser, redirectUri, userAgent, address);
    } catch (err) {
      if (err instanceof SsoRefusal && err.orgId) {
        await this.accounts.log(err.orgId, 'admin.sso_refused', { actor: 'anonymous', ...(address ? { address } : {}) }, err.email ?? null, { reason: err.code, detail: err.message });
      }
      throw err;
    }
  }

  private async complete(params: URLSearchParams, browser: string | undefined, redirectUri: string, userAgent?: string, address?: string) {
    const state = params.get('state');
    const browserHash = browser && browser.length <= 100 ? sha256(browser) : undefined;
    const login = state && state.length <= 200 ? await this.store.oidc.takeLogin(sha256(state)) : undefined;
    if (!login || !browserHash || !sameHex(login.browser_hash, browserHash) || login.expires_at <= this.now().toISOString()) {
      const orgId = login?.org_id ?? (browserHash ? (await this.store.oidc.loginOfBrowser(browserHash))?.org_id : undefined);
      const why = !login ? 'it is unknown, expired or was used already' : !browserHash || !sameHex(login.browser_hash, browserHash) ? 'another browser started it' : 'it expired';
      throw new SsoRefusal('state_mismatch', `the answer from the identity provider does not match a sign-in started here (${why})`, orgId);
    }
    const conn = await this.connections.get(login.org_id);
    if (!conn) throw new SsoRefusal('sso_not_configured', 'this organisation no longer signs in with an identity provider', login.org_id);
    const config = await this.configuration(conn);
    const current = new URL(redirectUri);
    for (const [k, v] of params) current.searchParams.append(k, v);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: login.code_verifier, expectedState: state!, expectedNonce: login.nonce, idTokenExpected: true,
      });
    } catch (err) {
      throw this.grantFailure(err, conn);
    } finally {
      const jwks = client.getJwksCache(config);
      const entry = this.metadata.get(conn.orgId);
      if (jwks && entry) entry.jwks = jwks;
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoRefusal('token_invalid', `${conn.displayName} sent no ID token`, conn.orgId);
    const badSubject = subjectProblem(idClaims.sub);
    if (badSubject) throw new SsoRefusal('token_invalid', `the ID token from ${conn.displayName} was refused: ${badSubject}`, conn.orgId);
    const claims = await this.withUserInfo(config, conn, tokens.access_token, idClaims as Record<string, unknown>);
    const verdict = decide(claims, conn.rules);
    if (!verdict.ok) throw new SsoRefusal(verdict.code, verdict.detail, conn.orgId, verdict.email);
    try {
      return await this.accounts.federatedSignIn(conn.orgId, {
        email: verdict.email, name: verdict.name, role: verdict.role, defaultRole: conn.rules.defaultRole, provider: conn.displayName,
        // openid-client checked `iss` is the provider's issuer (Core §3.1.3.7); `sub` is checked above (§2).
        issuer: String(idClaims.iss), subject: String(idClaims.sub), clientId: conn.clientId,
      }, userAgent, address);
    } catch (err) {
      if (err instanceof AccountError && (err.code === 'sso_other_organisation' || err.code === 'sso_account_mismatch')) throw new SsoRefusal(err.code, err.message, conn.orgId, verdict.email);
      throw err;
    }
  }

  /**
   * Providers may keep scope claims (email, groups) out of an ID token issued with an access
   * token and answer them at the UserInfo endpoint instead (OpenID Connect Core 1.0 §5.4; the
   * `conformIdTokenClaims` behaviour of oidc-provider). Asked only when the ID token lacks one; the
   * UserInfo `sub` must be the ID token's (§5.3.2, checked by openid-client), and the ID token's own
   * claims win.
   */
  private async withUserInfo(config: client.Configuration, conn: SsoConnection, accessToken: string, idClaims: Record<string, unknown>): Promise<Record<string, unknown>> {
    const missing = !Object.hasOwn(idClaims, 'email') || (conn.rules.groupClaim !== undefined && !Object.hasOwn(idClaims, conn.rules.groupClaim));
    if (!missing || !config.serverMetadata().userinfo_endpoint) return idClaims;
    let info: Record<string, unknown>;
    try {
      info = await client.fetchUserInfo(config, accessToken, idClaims.sub as string) as Record<string, unknown>;
    } catch (err) {
      throw this.grantFailure(err, conn);
    }
    const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(info)) merged[k] = v;
    for (const [k, v] of Object.entries(idClaims)) merged[k] = v;
    return merged;
  }

  private grantFailure(err: unknown, conn: SsoConnection): SsoRefusal {
    const e = err as { code?: string; error?: string; error_description?: string; message?: string };
    if (err instanceof client.AuthorizationResponseError) {
      return new SsoRefusal('idp_error', `${conn.displayName} refused the sign-in: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`, conn.orgId);
    }
    if (err instanceof client.ResponseBodyError) {
      return new SsoRefusal('idp_error', `${conn.displayName}'s token endpoint refused the code: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`, conn.orgId);
    }
    if (unreachable(err)) return new SsoRefusal('idp_unreachable', `${conn.displayName} could not be reached: ${e.message ?? String(err)}`, conn.orgId);
    // openid-client wraps oauth4webapi's error, whose message names the claim that failed (aud, exp, nonce, iss…).
    const inner = (err as { cause?: { message?: unknown } }).cause?.message;
    if (e.code && TOKEN_CHECKS.has(e.code)) return new SsoRefusal('token_invalid', `the ID token from ${conn.displayName} was refused: ${typeof inner === 'string' ? inner : e.message}`, conn.orgId);
    return new SsoRefusal('token_invalid', `the answer from ${conn.displayName} was refused: ${e.message ?? String(err)}`, conn.orgId);
  }
}
