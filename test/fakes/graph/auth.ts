// The identity platform's v2.0 token endpoint (client credentials only) and the access tokens it
// issues. Request and response shapes: learn.microsoft.com/entra/identity-platform/
// v2-oauth2-client-creds-grant-flow; error bodies and AADSTS codes: errors.ts.
import { randomBytes } from 'node:crypto';
import { TokenError } from './errors.js';

export const GRAPH_SCOPES = ['https://graph.microsoft.com/.default', '00000003-0000-0000-c000-000000000000/.default'];

export interface AppRegistration {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly permissions: readonly string[];
}

interface Issued { readonly expiresAt: number; readonly permissions: readonly string[] }

export class AccessTokens {
  private readonly issued = new Map<string, Issued>();

  /** `now` is the emulator's clock (ms), injectable so tests can expire tokens without sleeping. */
  constructor(private readonly now: () => number = Date.now) {}

  issue(lifetimeS: number, permissions: readonly string[]): string {
    // Opaque to the client, like a real Graph token should be treated; not a JWT.
    const token = `eyJ0eXAi.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    this.issued.set(token, { expiresAt: this.now() + lifetimeS * 1000, permissions });
    return token;
  }

  /** The permissions granted with a live token, or null when unknown or expired. */
  check(token: string): readonly string[] | null {
    const issued = this.issued.get(token);
    if (!issued || issued.expiresAt <= this.now()) return null;
    return issued.permissions;
  }

  expireAll(): void {
    this.issued.clear();
  }
}

export interface TokenResponse {
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly ext_expires_in: number;
  readonly access_token: string;
}

/**
 * POST /{tenant}/oauth2/v2.0/token. Checks run in the order the identity platform reports them:
 * tenant, then grant type and parameters, then the application, then its secret, then scope.
 */
export function issueToken(
  tenant: string,
  form: URLSearchParams,
  basicAuth: string | undefined,
  app: AppRegistration,
  lifetimeS: number,
  tokens: AccessTokens,
): TokenResponse {
  if (tenant !== app.tenantId) {
    throw new TokenError(400, 'invalid_request', 90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
  }
  let clientId = form.get('client_id');
  let secret = form.get('client_secret');
  if (basicAuth?.startsWith('Basic ')) {
    // client_secret_basic (RFC 6749 §2.3.1) is accepted by the identity platform as well.
    const [id, pw] = Buffer.from(basicAuth.slice(6), 'base64').toString('utf8').split(':');
    clientId ??= decodeURIComponent(id ?? '');
    secret ??= decodeURIComponent(pw ?? '');
  }
  const grant = form.get('grant_type');
  if (!grant) {
    throw new TokenError(400, 'invalid_request', 900144,
      "The request body must contain the following parameter: 'grant_type'.");
  }
  if (grant !== 'client_credentials') {
    throw new TokenError(400, 'unsupported_grant_type', 70003,
      `The app requested an unsupported grant type '${grant}'.`);
  }
  if (!clientId) {
    throw new TokenError(400, 'invalid_request', 900144,
      "The request body must contain the following parameter: 'client_id'.");
  }
  if (clientId !== app.clientId) {
    throw new TokenError(400, 'unauthorized_client', 700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  if (!secret) {
    throw new TokenError(401, 'invalid_client', 7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
  }
  if (secret !== app.clientSecret) {
    throw new TokenError(401, 'invalid_client', 7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
  }
  const scope = form.get('scope');
  if (!scope) {
    throw new TokenError(400, 'invalid_request', 900144,
      "The request body must contain the following parameter: 'scope'.");
  }
  if (!GRAPH_SCOPES.includes(scope.trim())) {
    throw new TokenError(400, 'invalid_scope', scope.endsWith('/.default') ? 500011 : 1002012,
      scope.endsWith('/.default')
        ? `The resource principal named ${scope.replace(/\/\.default$/, '')} was not found in the tenant named ${tenant}.`
        : `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  return {
    token_type: 'Bearer',
    expires_in: lifetimeS,
    ext_expires_in: lifetimeS,
    access_token: tokens.issue(lifetimeS, app.permissions),
  };
}

/** Application permissions that satisfy each requirement (least privileged first). */
const SATISFIES: Readonly<Record<string, readonly string[]>> = {
  'User.Read.All': ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'GroupMember.Read.All': ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All',
    'GroupMember.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'ProfilePhoto.Read.All': ['ProfilePhoto.Read.All', 'ProfilePhoto.ReadWrite.All', 'User.Read.All', 'User.ReadWrite.All'],
};

export function permits(granted: readonly string[], required: string): boolean {
  return (SATISFIES[required] ?? [required]).some((p) => granted.includes(p));
}
