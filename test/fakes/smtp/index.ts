/**
 * A real SMTP server on loopback for the tests (the smtp-server package, in process, port 0):
 * STARTTLS or TLS from the start with the test CA's certificate, optional AUTH, and scripted
 * answers to each recipient (accept, 4xx for a while, 5xx) so that Muster's outbox meets real
 * SMTP replies over real sockets. `received` is every message it accepted, as sent.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedEmail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
  /** Headers unfolded (RFC 5322 §2.2.3), by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
  readonly messageId: string;
  readonly secure: boolean;
  readonly user: string | undefined;
}

export interface FakeSmtpOptions {
  /** `starttls` (default): plain then upgraded; `implicit`: TLS from the first byte (smtps); `none`: no TLS offered. */
  readonly tls?: 'starttls' | 'implicit' | 'none';
  readonly key?: string;
  readonly cert?: string;
  /** AUTH PLAIN/LOGIN required with these. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Answer to RCPT TO: undefined accepts, else the SMTP code and text to refuse with. */
  readonly onRecipient?: (address: string) => { code: number; message: string } | undefined;
  /** A fixed port (to bring a server up where one was down). */
  readonly port?: number;
  /** Awaited before each message's final answer: a relay that is slow to accept, until the test lets it go. */
  readonly hold?: () => Promise<void>;
}

export interface FakeSmtp {
  readonly port: number;
  readonly received: ReceivedEmail[];
  /** RCPT TO commands seen, accepted or not. */
  readonly recipientsTried: string[];
  close(): Promise<void>;
}

function parseHeaders(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

export async function startFakeSmtp(opts: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const received: ReceivedEmail[] = [];
  const recipientsTried: string[] = [];
  const mode = opts.tls ?? 'starttls';
  const server = new SMTPServer({
    secure: mode === 'implicit',
    ...(mode !== 'none' ? { key: opts.key, cert: opts.cert } : {}),
    disabledCommands: [...(mode === 'none' ? ['STARTTLS'] : []), ...(opts.auth ? [] : ['AUTH'])],
    authOptional: !opts.auth,
    logger: false,
    // Muster's pool keeps idle connections open; closing must not wait 30 s for them.
    closeTimeout: 100,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      recipientsTried.push(address.address);
      const refusal = opts.onRecipient?.(address.address);
      if (refusal) cb(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        await opts.hold?.();
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw, headers,
          messageId: headers.get('message-id') ?? '', secure: session.secure, user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb(null, `queued as ${received.length}`);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, recipientsTried, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A loopback port with nothing listening on it: connections are refused. */
export async function closedPort(): Promise<number> {
  const s = await startFakeSmtp({ tls: 'none' });
  await s.close();
  return s.port;
}
