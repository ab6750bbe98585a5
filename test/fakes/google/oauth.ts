// Google's OAuth 2.0 token endpoint for service accounts: the JWT-bearer grant (RFC 7523) as
// developers.google.com/identity/protocols/oauth2/service-account#httprest describes it. The
// assertion is a JWT signed RS256 with the account's private key; its claims are iss (the
// account's email), scope (space-delimited), aud (always https://oauth2.googleapis.com/token),
// iat and exp (at most one hour after iat). The answer is {access_token, expires_in, token_type}.
import { createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { OAuthError } from './errors.js';

export const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
/** Clock skew Google tolerates on iat/exp; the "short-lived token" message names the rule. */
const SKEW_S = 300;
const TIMEFRAME = 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

export interface Account { readonly clientEmail: string; readonly keyId: string; readonly publicKey: KeyObject }

interface Issued { readonly expiresAt: number; readonly scopes: readonly string[]; readonly clientEmail: string }

export class AccessTokens {
  private readonly issued = new Map<string, Issued>();

  issue(clientEmail: string, scopes: readonly string[], lifetimeS: number): string {
    // Google's access tokens start "ya29." and are opaque to clients.
    const token = `ya29.${randomBytes(48).toString('base64url')}`;
    this.issued.set(token, { expiresAt: Date.now() + lifetimeS * 1000, scopes, clientEmail });
    return token;
  }

  check(token: string): Issued | undefined {
    const t = this.issued.get(token);
    return t && t.expiresAt > Date.now() ? t : undefined;
  }

  /** Every token issued so far stops working (as if it expired or was revoked). */
  expireAll(): void {
    this.issued.clear();
  }
}

const part = (s: string | undefined): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** POST /token with an application/x-www-form-urlencoded body. */
export function exchange(form: URLSearchParams, accounts: ReadonlyMap<string, Account>, tokens: AccessTokens, lifetimeS: number) {
  const grant = form.get('grant_type');
  if (!grant) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: grant_type');
  if (grant !== GRANT_TYPE) throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grant}`);
  const assertion = form.get('assertion');
  if (!assertion) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: assertion');
  const [h, p, sig] = assertion.split('.');
  const header = part(h), claims = part(p);
  if (!header || !claims || sig === undefined) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: the assertion is not a signed JWT.');
  if (header.alg !== 'RS256') throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  const account = typeof claims.iss === 'string' ? accounts.get(claims.iss) : undefined;
  if (!account) throw new OAuthError(400, 'invalid_grant', 'Invalid grant: account not found');
  if (header.kid !== undefined && header.kid !== account.keyId) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(account.publicKey, Buffer.from(sig, 'base64url'));
  if (!ok) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  if (claims.aud !== TOKEN_AUDIENCE) throw new OAuthError(400, 'invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${TOKEN_AUDIENCE}`);
  const nowS = Date.now() / 1000;
  const iat = claims.iat, exp = claims.exp;
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new OAuthError(400, 'invalid_grant', TIMEFRAME);
  if (exp <= iat || exp - iat > 3600 || iat > nowS + SKEW_S || exp < nowS - SKEW_S) throw new OAuthError(400, 'invalid_grant', TIMEFRAME);
  const scope = typeof claims.scope === 'string' ? claims.scope.trim() : '';
  if (!scope) throw new OAuthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
  const scopes = scope.split(/\s+/);
  return { access_token: tokens.issue(account.clientEmail, scopes, lifetimeS), expires_in: lifetimeS, token_type: 'Bearer' };
}
