/**
 * A small Microsoft Graph client for delta sync: client-credentials tokens from the Microsoft
 * identity platform (cached until shortly before they expire, renewed once on a 401), GET with
 * retries on 429/503/504 after `Retry-After` (which may be fractional) or exponential backoff,
 * and paging through `@odata.nextLink` to the `@odata.deltaLink`.
 * Docs: learn.microsoft.com/graph/delta-query-overview, /graph/throttling, /entra/identity-platform/v2-oauth2-client-creds-grant-flow.
 */
import { repairText } from './graph-user.js';

export interface GraphConnection {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `https://login.microsoftonline.com` (or a national cloud, or a test emulator). */
  readonly authorityUrl: string;
  /** `https://graph.microsoft.com`. */
  readonly graphUrl: string;
}

export class GraphError extends Error {
  readonly code: string;
  constructor(readonly status: number, code: string, message: string) {
    // Graph's error text ends up in the run's stored error: keep it storable (no lone surrogate, no NUL).
    super(repairText(message));
    this.code = repairText(code);
    this.name = 'GraphError';
  }
}

export interface GraphPage {
  readonly value: Record<string, unknown>[];
  readonly nextLink?: string;
  readonly deltaLink?: string;
}

export interface GraphClientOptions {
  readonly fetch?: typeof fetch;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called for each retry, for run logs and progress. */
  readonly onRetry?: (info: { status: number; waitMs: number; attempt: number }) => void;
}

const RETRYABLE = new Set([429, 503, 504]);

/**
 * The token scope: the Graph resource of the cloud the connection uses (global, US Government,
 * China), else global Graph's — a proxy or emulator in front of Graph still issues Graph tokens.
 */
export function graphScope(graphUrl: string): string {
  const origin = graphUrl.replace(/\/+$/, '');
  return /^https:\/\/(graph\.microsoft\.(com|us)|dod-graph\.microsoft\.us|microsoftgraph\.chinacloudapi\.cn)$/i.test(origin)
    ? `${origin}/.default` : 'https://graph.microsoft.com/.default';
}

export class GraphClient {
  private token: { value: string; expiresAt: number } | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly conn: GraphConnection, private readonly opts: GraphClientOptions = {}) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private async accessToken(force = false): Promise<string> {
    if (!force && this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const url = `${this.conn.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.conn.tenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: this.conn.clientId, client_secret: this.conn.clientSecret,
      scope: graphScope(this.conn.graphUrl), grant_type: 'client_credentials',
    });
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    } catch (err) {
      throw new GraphError(0, 'unreachable', `cannot reach the Microsoft identity platform at ${this.conn.authorityUrl}: ${(err as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !json.access_token) {
      const first = (json.error_description ?? '').split(/\r?\n/)[0];
      throw new GraphError(res.status, json.error ?? 'token_error', `the Microsoft identity platform refused the credentials (${json.error ?? res.status}): ${first}`);
    }
    this.token = { value: json.access_token, expiresAt: Date.now() + (json.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  /** An absolute Graph URL for a path such as `/v1.0/users/delta?…`, or the URL itself. */
  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.conn.graphUrl.replace(/\/+$/, '')}${pathOrUrl}`;
  }

  /** GET with token renewal and retries; resolves with the response body text. */
  async getText(pathOrUrl: string, headers: Record<string, string> = {}): Promise<string> {
    return (await this.fetchBody(pathOrUrl, headers, false))!.toString('utf8');
  }

  /**
   * GET of binary content (a profile photo, `users/{id}/photo/$value`); undefined when Graph
   * answers 404 (the user has no photo: `ImageNotFound`).
   */
  async getBytes(pathOrUrl: string): Promise<Buffer | undefined> {
    return this.fetchBody(pathOrUrl, { accept: '*/*' }, true);
  }

  private async fetchBody(pathOrUrl: string, headers: Record<string, string>, missingOk: boolean): Promise<Buffer | undefined> {
    const max = this.opts.maxAttempts ?? 8;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      let res: Response;
      try {
        res = await this.fetchImpl(this.url(pathOrUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers } });
      } catch (err) {
        if (attempt >= max) throw new GraphError(0, 'unreachable', `cannot reach Microsoft Graph: ${(err as Error).message}`);
        await this.backoff(0, attempt, undefined);
        continue;
      }
      const body = Buffer.from(await res.arrayBuffer());
      if (res.ok) return body;
      if (res.status === 404 && missingOk) return undefined;
      const text = body.toString('utf8');
      let code = String(res.status), message = text.slice(0, 300);
      try {
        const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
        code = e?.code ?? code;
        message = e?.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      if (res.status === 401 && !renewed) {
        renewed = true;
        await this.accessToken(true);
        continue;
      }
      if (RETRYABLE.has(res.status) && attempt < max) {
        await this.backoff(res.status, attempt, res.headers.get('retry-after'));
        continue;
      }
      throw new GraphError(res.status, code, message);
    }
  }

  async get<T = Record<string, unknown>>(pathOrUrl: string, headers: Record<string, string> = {}): Promise<T> {
    return JSON.parse(await this.getText(pathOrUrl, headers)) as T;
  }

  async page(pathOrUrl: string): Promise<GraphPage> {
    const j = await this.get<{ value?: Record<string, unknown>[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string }>(pathOrUrl);
    return { value: j.value ?? [], ...(j['@odata.nextLink'] ? { nextLink: j['@odata.nextLink'] } : {}), ...(j['@odata.deltaLink'] ? { deltaLink: j['@odata.deltaLink'] } : {}) };
  }

  /** Waits as Graph asks (`Retry-After`, seconds, possibly fractional), else 1 s, 2 s, 4 s …, at most 45 s. */
  private async backoff(status: number, attempt: number, retryAfter: string | null | undefined): Promise<void> {
    const asked = retryAfter ? Number(retryAfter) : NaN;
    // Capped below a job's lock (60 s), so a long wait never lets another node take the run over.
    const waitMs = Math.min(45_000, Number.isFinite(asked) && asked >= 0 ? asked * 1000 : 1000 * 2 ** (attempt - 1));
    this.opts.onRetry?.({ status, waitMs, attempt });
    await this.sleep(waitMs);
  }
}
