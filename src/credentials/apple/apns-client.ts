/**
 * Apple Push Notification service over HTTP/2, as Wallet pass updates use it: certificate-based
 * authentication with the Pass Type ID certificate as the TLS client certificate, one POST to
 * `/3/device/{pushToken}` per device with `apns-topic` = the pass type identifier and an empty
 * JSON payload (Apple, "Sending notification requests to APNs"; Wallet Developer Guide,
 * "Updating a Pass": "the payload is an empty JSON dictionary"). Connections are kept open and
 * reused, as Apple asks ("Keep your connections with APNs open across multiple notifications").
 *
 * Answers (Apple, "Handling notification responses from APNs"): 200 with `apns-id`; otherwise a
 * JSON body {reason[, timestamp]}: 400 BadDeviceToken, 410 Unregistered (with the time the token
 * became invalid), 403 certificate problems, 429 TooManyRequests, 500/503 server trouble.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';

export interface ApnsOptions {
  /** https://api.push.apple.com by default; a fake in tests (MUSTER_APNS_URL). */
  readonly baseUrl: string;
  /** Extra trusted CA certificates (PEM) for the server, for a fake or a TLS-inspecting proxy. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

export interface ApnsIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export type ApnsOutcome =
  | { readonly kind: 'sent'; readonly apnsId: string | undefined }
  /** The token is no longer valid: drop the registration (400 BadDeviceToken, 410 Unregistered). */
  | { readonly kind: 'invalid-token'; readonly status: number; readonly reason: string; readonly since: string | undefined }
  /** Try again later: 429, 500, 503, a timeout or a broken connection. */
  | { readonly kind: 'retry'; readonly status: number; readonly reason: string }
  /** Retrying will not help: a certificate or topic problem (403) or a bad request. */
  | { readonly kind: 'failed'; readonly status: number; readonly reason: string };

export const APNS_PRODUCTION = 'https://api.push.apple.com';

export class ApnsClient {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  constructor(private readonly opts: ApnsOptions) {}

  private session(id: ApnsIdentity, topic: string): ClientHttp2Session {
    const key = `${topic}\n${id.certificatePem}`;
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const s = connect(this.opts.baseUrl, { cert: id.certificatePem, key: id.privateKeyPem, ...(this.opts.ca ? { ca: this.opts.ca } : {}) });
    const drop = () => {
      if (this.sessions.get(key) === s) this.sessions.delete(key);
    };
    s.on('error', drop);
    s.on('goaway', drop);
    s.on('close', drop);
    s.unref();
    this.sessions.set(key, s);
    return s;
  }

  /** Sends one empty-payload push for a pass type to one device. Never throws. */
  async push(id: ApnsIdentity, topic: string, pushToken: string): Promise<ApnsOutcome> {
    let session: ClientHttp2Session;
    try {
      session = this.session(id, topic);
    } catch (err) {
      return { kind: 'retry', status: 0, reason: `cannot connect to APNs: ${(err as Error).message}` };
    }
    return new Promise<ApnsOutcome>((resolve) => {
      const req = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(pushToken)}`,
        'apns-topic': topic,
        'content-type': 'application/json',
      });
      let status = 0, apnsId: string | undefined;
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        req.close(constants.NGHTTP2_CANCEL);
        resolve({ kind: 'retry', status: 0, reason: 'APNs did not answer in time' });
      }, this.opts.timeoutMs ?? 10_000);
      req.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        const v = h['apns-id'];
        apnsId = Array.isArray(v) ? v[0] : v;
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', (err) => {
        clearTimeout(timer);
        resolve({ kind: 'retry', status: 0, reason: `APNs connection failed: ${err.message}` });
      });
      req.on('end', () => {
        clearTimeout(timer);
        resolve(outcome(status, apnsId, Buffer.concat(chunks).toString('utf8')));
      });
      req.end('{}');
    });
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

function outcome(status: number, apnsId: string | undefined, text: string): ApnsOutcome {
  if (status === 200) return { kind: 'sent', apnsId };
  let reason = `HTTP ${status}`, since: string | undefined;
  try {
    const b = JSON.parse(text) as { reason?: unknown; timestamp?: unknown };
    if (typeof b.reason === 'string') reason = b.reason;
    // APNs gives the 410 timestamp in milliseconds since the epoch.
    if (typeof b.timestamp === 'number') since = new Date(b.timestamp).toISOString();
  } catch {
    // a body that is not JSON: keep the status as the reason
  }
  if (status === 410 || (status === 400 && (reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic'))) return { kind: 'invalid-token', status, reason, since };
  if (status === 429 || status === 500 || status === 503 || status === 0) return { kind: 'retry', status, reason };
  return { kind: 'failed', status, reason };
}
