// A fake of the Apple Push Notification service's provider API for tests: HTTP/2 over TLS on
// 127.0.0.1:0 that, like APNs with certificate-based authentication, requires a client
// certificate from the CA it trusts (others are refused in the TLS handshake), takes the topics
// a client may push to from that certificate (a Pass Type ID certificate's UID), and answers as
// Apple's "Handling notification responses from APNs" documents: 200 with apns-id; 400
// {reason} for a bad path, topic, payload or device token; 405 for a method other than POST;
// 410 {reason: "Unregistered", timestamp} for a token no longer valid; 429 TooManyRequests and
// 503 ServiceUnavailable under fault injection. Every request is recorded.
import { randomUUID, X509Certificate } from 'node:crypto';
import { createSecureServer, constants, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './certs.js';

export interface ReceivedPush {
  readonly method: string;
  readonly path: string;
  readonly token: string;
  readonly topic: string | undefined;
  readonly body: string;
  readonly status: number;
  readonly reason: string | undefined;
  readonly apnsId: string;
  /** The client certificate's subject UID (the pass type identifier it may push for). */
  readonly clientTopic: string | undefined;
  readonly at: number;
}

export interface ApnsFault {
  readonly status: 429 | 500 | 503;
  /** Only pushes to this token; default any. */
  readonly token?: string;
  /** How many matching pushes fail; default 1. */
  readonly times?: number;
}

export interface FakeApns {
  readonly url: string;
  /** Every request answered, in order. */
  readonly received: ReceivedPush[];
  /** The successful pushes only. */
  delivered(token?: string): ReceivedPush[];
  /** A device token APNs knows for a topic (tokens are 64 hex digits, as iOS issues them). */
  addDevice(token: string, topic: string): void;
  /** The app was removed or the token expired: pushes answer 410 with the time it happened. */
  unregister(token: string, at?: number): void;
  inject(fault: ApnsFault): void;
  /** Called after each successful delivery (a simulated device reacts to its push). */
  onDelivery(fn: (p: ReceivedPush) => void): void;
  /** Client certificates refused in the TLS handshake so far. */
  readonly refusedHandshakes: number;
  close(): Promise<void>;
}

const TOKEN = /^[0-9a-fA-F]{64}$/;
/** APNs: "The maximum size … 4 KB (4096 bytes)" for regular remote notifications. */
const MAX_PAYLOAD = 4096;

export async function startFakeApns(pki: TestPki): Promise<FakeApns> {
  const devices = new Map<string, { topic: string; unregisteredAt?: number }>();
  const faults: Array<{ spec: ApnsFault; left: number }> = [];
  const received: ReceivedPush[] = [];
  const listeners: Array<(p: ReceivedPush) => void> = [];
  let refused = 0;

  const server: Http2Server = createSecureServer({
    key: pki.apnsServer.privateKeyPem, cert: pki.apnsServer.certificatePem, ca: pki.ca.certificatePem,
    requestCert: true, rejectUnauthorized: true, allowHTTP1: false,
  });
  server.on('tlsClientError', () => { refused++; });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s: ServerHttp2Session) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  // A session can close on this side while the client still holds its socket open (a stream it
  // never read to the end): close() destroys sockets too, so such a client cannot hold it up.
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const method = String(headers[constants.HTTP2_HEADER_METHOD]);
      const path = String(headers[constants.HTTP2_HEADER_PATH]);
      const topic = headers['apns-topic'] as string | undefined;
      const body = Buffer.concat(chunks).toString('utf8');
      const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate(false);
      const clientTopic = peer?.raw ? uidOf(new X509Certificate(peer.raw)) : undefined;
      const apnsId = (headers['apns-id'] as string | undefined) ?? randomUUID().toUpperCase();
      const token = /^\/3\/device\/([^/?]+)$/.exec(path)?.[1] ?? '';
      const answer = (status: number, reason?: string, extra: Record<string, unknown> = {}) => {
        const p: ReceivedPush = { method, path, token, topic, body, status, reason, apnsId, clientTopic, at: Date.now() };
        received.push(p);
        stream.respond({ [constants.HTTP2_HEADER_STATUS]: status, 'apns-id': apnsId, ...(reason ? { 'content-type': 'application/json' } : {}) });
        stream.end(reason ? JSON.stringify({ reason, ...extra }) : undefined);
        if (status === 200) for (const l of listeners) setImmediate(() => l(p));
      };
      if (method !== 'POST') return answer(405, 'MethodNotAllowed');
      if (!/^\/3\/device\//.test(path)) return answer(404, 'BadPath');
      // With certificate authentication the topic defaults to the certificate's; when given it must be one of its topics.
      if (topic !== undefined && topic !== clientTopic) return answer(400, 'TopicDisallowed');
      if (body.length > MAX_PAYLOAD) return answer(413, 'PayloadTooLarge');
      try {
        const parsed = JSON.parse(body) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return answer(400, 'BadMessageId');
      } catch {
        return answer(400, body.trim() === '' ? 'PayloadEmpty' : 'BadPayload');
      }
      const i = faults.findIndex((f) => !f.spec.token || f.spec.token === token);
      if (i >= 0) {
        const f = faults[i]!;
        if (--f.left <= 0) faults.splice(i, 1);
        return answer(f.spec.status, f.spec.status === 429 ? 'TooManyRequests' : f.spec.status === 503 ? 'ServiceUnavailable' : 'InternalServerError');
      }
      const d = devices.get(token);
      if (!TOKEN.test(token) || !d) return answer(400, 'BadDeviceToken');
      if (d.topic !== (topic ?? clientTopic)) return answer(400, 'DeviceTokenNotForTopic');
      if (d.unregisteredAt !== undefined) return answer(410, 'Unregistered', { timestamp: d.unregisteredAt });
      return answer(200);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    received,
    delivered: (token) => received.filter((p) => p.status === 200 && (!token || p.token === token)),
    addDevice: (token, topic) => void devices.set(token, { topic }),
    unregister: (token, at = Date.now()) => {
      const d = devices.get(token);
      if (d) d.unregisteredAt = at;
    },
    inject: (spec) => void faults.push({ spec, left: spec.times ?? 1 }),
    onDelivery: (fn) => void listeners.push(fn),
    get refusedHandshakes() { return refused; },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Open client sessions and their sockets would keep the server alive.
      for (const s of sessions) s.destroy();
      for (const socket of sockets) socket.destroy();
    }),
  };
}

function uidOf(c: X509Certificate): string | undefined {
  for (const line of c.subject.split('\n')) {
    const m = /^(?:UID|0\.9\.2342\.19200300\.100\.1\.1|userId)=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
