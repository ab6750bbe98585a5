/**
 * One webhook request: a POST with the signed body, through the address policy (checked on the
 * resolved address at connect time), with a timeout, never following redirects, reading at most
 * a little of the answer. Answers what happened, never throws.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { AddressRefused, type AddressPolicy } from './address-policy.js';

/** Characters of the receiver's answer kept per attempt (enough for an error message, not a page). */
export const RESPONSE_EXCERPT_CHARS = 1024;
/** Bytes read from an answer before the connection is dropped. */
const MAX_READ_BYTES = 16 * 1024;

export interface SendResult {
  readonly status: number | null;
  readonly durationMs: number;
  readonly responseExcerpt: string | null;
  /** Why it failed, when it did: a network error, a timeout, a refused address, a redirect. */
  readonly error: string | null;
  /** Seconds or a date from a 429's or 503's Retry-After (RFC 9110 §10.2.3). */
  readonly retryAfter: string | null;
  /** The failure cannot be mended by trying again (a refused address, a bad URL). */
  readonly permanent: boolean;
}

export interface SendRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

export class WebhookSender {
  // Keep-alive: thousands of deliveries to a few receivers reuse their connections. A socket is
  // checked once, when it connects; a reused one is one already checked.
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8 });

  constructor(private readonly policy: AddressPolicy) {}

  send(r: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const done = (p: Omit<SendResult, 'durationMs'>): SendResult => ({ ...p, durationMs: performance.now() - started });
    let url: URL;
    try {
      url = new URL(r.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${url.protocol} is not http or https`);
      // An IP literal never goes through `lookup`: checked here.
      this.policy.checkLiteral(url.hostname);
    } catch (err) {
      return Promise.resolve(done({ status: null, responseExcerpt: null, error: (err as Error).message, retryAfter: null, permanent: true }));
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (res: SendResult) => {
        if (settled) return;
        settled = true;
        resolve(res);
      };
      const req = mod.request(url, {
        method: 'POST', agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent, lookup: this.policy.lookup(),
        headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const complete = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          const redirect = status >= 300 && status < 400;
          finish(done({
            status, responseExcerpt: text ? text.slice(0, RESPONSE_EXCERPT_CHARS) : null,
            error: redirect ? `redirects are not followed${res.headers.location ? ` (Location: ${String(res.headers.location).slice(0, 200)})` : ''}` : null,
            retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : null, permanent: false,
          }));
        };
        res.on('data', (c: Buffer) => {
          if (size < MAX_READ_BYTES) chunks.push(c);
          size += c.length;
          if (size >= MAX_READ_BYTES) {
            complete();
            res.destroy();
          }
        });
        res.on('end', complete);
        res.on('error', complete);
        res.on('close', complete);
      });
      req.setTimeout(r.timeoutMs, () => req.destroy(new Error(`no answer within ${Math.round(r.timeoutMs / 1000)} s`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const refused = err instanceof AddressRefused || err.name === 'AddressRefused';
        finish(done({ status: null, responseExcerpt: null, error: err.code && !refused ? `${err.code}: ${err.message}` : err.message, retryAfter: null, permanent: refused }));
      });
      req.end(r.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
