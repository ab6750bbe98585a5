// The HTTP face of the Google fake: POST /token (OAuth), and /walletobjects/v1/{genericClass,
// genericObject}[/{resourceId}] (the Wallet API). Every error is rendered here, in Google's shapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, ApiError, OAuthError } from './errors.js';
import type { Faults } from './faults.js';
import { exchange, type AccessTokens, type Account } from './oauth.js';
import { WalletStore, type Resource } from './wallet.js';

export const WALLET_SCOPE = 'https://www.googleapis.com/auth/wallet_object.issuer';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  readonly at: number;
}

export interface FakeState {
  readonly accounts: Map<string, Account>;
  /** Issuer id → the service accounts added as its users in the Pay & Wallet Console. */
  readonly issuers: Map<string, Set<string>>;
  readonly tokens: AccessTokens;
  readonly wallet: WalletStore;
  readonly faults: Faults;
  readonly requests: RecordedRequest[];
  tokenLifetimeS: number;
}

interface Reply { status: number; headers: Record<string, string>; body: unknown }

export function createHandler(s: FakeState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      let reply: Reply;
      let parsed: unknown;
      try {
        if (url.pathname === '/token') {
          parsed = Object.fromEntries(new URLSearchParams(raw));
          reply = token(s, method, raw);
        } else {
          if (raw) {
            try {
              parsed = JSON.parse(raw);
            } catch {
              throw errors.invalid('Invalid JSON payload received.');
            }
          }
          reply = walletCall(s, req, method, url.pathname, parsed);
        }
      } catch (err) {
        if (err instanceof ApiError || err instanceof OAuthError) reply = { status: err.code, headers: err.headers, body: err.body() };
        else reply = { status: 500, headers: {}, body: errors.internal(`fake error: ${(err as Error).message}`).body() };
      }
      s.requests.push({ method, path: url.pathname, status: reply.status, body: parsed, at: Date.now() });
      res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=UTF-8', 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  };
}

function token(s: FakeState, method: string, raw: string): Reply {
  if (method !== 'POST') throw new OAuthError(400, 'invalid_request', 'Invalid request method: use POST.');
  const fault = s.faults.take('token', method);
  if (fault) throw fault;
  return { status: 200, headers: {}, body: exchange(new URLSearchParams(raw), s.accounts, s.tokens, s.tokenLifetimeS) };
}

function walletCall(s: FakeState, req: IncomingMessage, method: string, path: string, body: unknown): Reply {
  const m = /^\/walletobjects\/v1\/(genericClass|genericObject)(?:\/([^/]+))?$/.exec(path);
  if (!m) throw new ApiError(404, `Method not found: ${method} ${path}`);
  const resource = m[1] as 'genericClass' | 'genericObject';
  const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  const auth = req.headers.authorization;
  const granted = auth?.startsWith('Bearer ') ? s.tokens.check(auth.slice(7).trim()) : undefined;
  if (!granted) throw errors.unauthenticated();
  if (!granted.scopes.includes(WALLET_SCOPE)) throw errors.insufficientScope();
  const fault = s.faults.take(resource, method);
  if (fault) throw fault;
  const canUse = (issuerId: string) => {
    if (!s.issuers.get(issuerId)?.has(granted.clientEmail)) throw errors.notIssuer(issuerId);
  };
  const ok = (r: Resource): Reply => ({ status: 200, headers: {}, body: r });
  if (method === 'POST' && id === undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalid('The request body must be a JSON object.');
    const b = body as Resource;
    const issuer = WalletStore.issuerOf(b.id);
    canUse(issuer);
    if (resource === 'genericClass') return ok(s.wallet.insertClass(b));
    if (WalletStore.issuerOf(b.classId, 'classId') !== issuer) throw errors.invalid('An object and its class must belong to the same issuer.');
    return ok(s.wallet.insertObject(b));
  }
  if (id === undefined) throw new ApiError(404, `Method not found: ${method} ${path}`);
  canUse(WalletStore.issuerOf(id));
  if (method === 'GET') return ok(resource === 'genericClass' ? s.wallet.getClass(id) : s.wallet.getObject(id));
  if (method === 'PATCH' && resource === 'genericObject') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalid('The request body must be a JSON object.');
    return ok(s.wallet.patchObject(id, body as Resource));
  }
  throw new ApiError(404, `Method not found: ${method} ${path} (the fake implements genericClass get/insert and genericObject get/insert/patch)`);
}
