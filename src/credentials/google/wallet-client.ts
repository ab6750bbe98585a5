/**
 * The Google Wallet REST calls Muster makes (developers.google.com/wallet/reference/rest):
 * genericClass get/insert and genericObject get/insert/patch, with the retry discipline Google
 * asks of API clients: 429 and 5xx are retried with exponential backoff, honouring Retry-After
 * when sent (developers.google.com/wallet/generic/resources/errors, and the Cloud APIs' "retry
 * strategy" guidance); a 401 means the access token was refused, so it is fetched anew, once.
 * Waits longer than `maxWaitMs` are not slept here: the caller gets a retryable error and the
 * job is deferred instead, so no worker sleeps for minutes.
 */
import type { GoogleAccessTokens } from './access-tokens.js';
import type { ServiceAccountKey } from './service-account-key.js';

export interface WalletEndpoint {
  readonly key: ServiceAccountKey;
  readonly tokenUrl: string;
  /** e.g. https://walletobjects.googleapis.com/walletobjects/v1 */
  readonly apiUrl: string;
}

export type WalletResource = 'genericClass' | 'genericObject';

/** A Wallet API (or token endpoint) failure: Google's HTTP status and canonical status name. */
export class GoogleWalletError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
    /** Worth trying again later (throttling, an outage, the network). */
    readonly retryable: boolean,
    /** How long Google asked us to wait (Retry-After), if it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'GoogleWalletError';
  }
}

export interface WalletClientOptions {
  /** Tries per call for throttling and outages (default 4). */
  readonly attempts?: number;
  /** The longest total wait spent retrying inside one call (default 10 s). */
  readonly maxWaitMs?: number;
  /** First backoff step (default 250 ms), doubled per retry. */
  readonly baseDelayMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function retryAfterMs(h: string | null, now = Date.now()): number | undefined {
  if (!h) return undefined;
  if (/^\d+(\.\d+)?$/.test(h.trim())) return Math.ceil(Number(h) * 1000);
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export class GoogleWalletClient {
  private readonly attempts: number;
  private readonly maxWaitMs: number;
  private readonly baseDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly tokens: GoogleAccessTokens, opts: WalletClientOptions = {}) {
    this.attempts = opts.attempts ?? 4;
    this.maxWaitMs = opts.maxWaitMs ?? 10_000;
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** GET; undefined on 404. */
  async get(ep: WalletEndpoint, resource: WalletResource, id: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.call(ep, 'GET', `/${resource}/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof GoogleWalletError && err.httpStatus === 404) return undefined;
      throw err;
    }
  }

  /** POST (insert); a 409 ALREADY_EXISTS is the caller's to handle. */
  insert(ep: WalletEndpoint, resource: WalletResource, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call(ep, 'POST', `/${resource}`, body);
  }

  /** PATCH: only the fields sent change ("This method supports patch semantics"). */
  patch(ep: WalletEndpoint, resource: WalletResource, id: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call(ep, 'PATCH', `/${resource}/${encodeURIComponent(id)}`, body);
  }

  private async token(ep: WalletEndpoint): Promise<string> {
    try {
      return await this.tokens.token(ep.key, ep.tokenUrl);
    } catch (err) {
      // A GaxiosError: google-auth-library already retried 429/5xx (gaxios retryConfig).
      const e = err as { status?: number; response?: { status?: number; data?: { error?: string; error_description?: string } }; message?: string };
      const status = e.status ?? e.response?.status ?? 0;
      const data = e.response?.data;
      const msg = data?.error ? `${data.error}: ${data.error_description ?? ''}` : (e.message ?? String(err));
      throw new GoogleWalletError(status, 'TOKEN_ERROR', `Google's token endpoint refused the service account: ${msg}`, status === 0 || status === 429 || status >= 500);
    }
  }

  private async call(ep: WalletEndpoint, method: string, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
    let refreshed = false;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(ep);
      let res: Response;
      try {
        res = await fetch(`${ep.apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const e = new GoogleWalletError(0, 'UNAVAILABLE', `the Wallet API could not be reached: ${(err as Error).message}`, true);
        const delay = this.baseDelayMs * 2 ** (attempt - 1);
        if (attempt >= this.attempts || waited + delay > this.maxWaitMs) throw e;
        waited += delay;
        await this.sleep(delay);
        continue;
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = {};
      }
      if (res.ok) return json as Record<string, unknown>;
      const err = (json as { error?: { code?: number; message?: string; status?: string } }).error;
      if (res.status === 401 && !refreshed) {
        // The token expired early or was revoked: fetch a new one and try again, once.
        refreshed = true;
        this.tokens.invalidate(ep.key, ep.tokenUrl);
        attempt--;
        continue;
      }
      const after = retryAfterMs(res.headers.get('retry-after'));
      const e = new GoogleWalletError(res.status, err?.status ?? `HTTP_${res.status}`, err?.message ?? (text.slice(0, 300) || res.statusText), RETRY_STATUSES.has(res.status), after);
      if (!e.retryable) throw e;
      const delay = Math.max(after ?? 0, this.baseDelayMs * 2 ** (attempt - 1));
      if (attempt >= this.attempts || waited + delay > this.maxWaitMs) throw e;
      waited += delay;
      await this.sleep(delay);
    }
  }
}
