/**
 * Sending one message over SMTP with nodemailer (https://nodemailer.com/smtp/): a small pool of
 * connections to the installation's relay, STARTTLS required unless the URL says otherwise
 * (RFC 3207) or TLS from the start (smtps://, RFC 8314), optional AUTH. Every attempt ends in an
 * outcome the outbox can act on: sent with the server's reply, or refused for now (4xx, or no
 * answer at all: retry later) or for good (5xx: never again), with the reply (RFC 5321 §4.2.1).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import type { SmtpSettings } from '../config.js';

export interface OutgoingEmail {
  readonly from: { readonly name: string | undefined; readonly address: string };
  readonly replyTo: string | undefined;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
  /** The Message-ID header (RFC 5322 §3.6.4), the same on every attempt of one message. */
  readonly messageId: string;
}

export type SendOutcome =
  | { readonly ok: true; readonly reply: string }
  | { readonly ok: false; readonly permanent: boolean; readonly reply: string };

export interface EmailTransport {
  send(m: OutgoingEmail): Promise<SendOutcome>;
  close(): void;
}

interface SmtpError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly permanent?: boolean;
  readonly message?: string;
}

/**
 * Permanent only when the server refused this message (a 5xx reply to its envelope or content,
 * RFC 5321 §4.2.1; 503 is a session-state error, not a refusal). A connection that failed, TLS or
 * AUTH that failed, are the installation's problems, not the message's: retried, so that mail
 * queued while the relay was down or misconfigured goes out once it is fixed.
 */
export function classify(err: SmtpError): { permanent: boolean; reply: string } {
  const reply = err.responseCode ? (err.response ?? `${err.responseCode}`) : `${err.code ?? 'ERROR'}: ${err.message ?? 'no answer from the SMTP server'}`;
  const aboutTheMessage = err.code === 'EENVELOPE' || err.code === 'EMESSAGE';
  const permanent = aboutTheMessage && err.responseCode !== undefined && (err.permanent ?? (err.responseCode >= 500 && err.responseCode !== 503));
  return { permanent, reply };
}

export function smtpTransport(s: SmtpSettings): EmailTransport {
  const ca = s.caFile ? readFileSync(s.caFile, 'utf8') : undefined;
  const transport = createTransport({
    pool: true, maxConnections: 3, maxMessages: 100,
    host: s.host, port: s.port, secure: s.tls === 'implicit',
    requireTLS: s.tls === 'starttls', ignoreTLS: s.tls === 'none',
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    // Bounded waits: an attempt must end well within the outbox's lease on the message.
    connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000,
    // SNI carries host names only (RFC 6066 §3); the certificate is checked against the host either way.
    tls: { minVersion: 'TLSv1.2', ...(isIP(s.host) ? {} : { servername: s.host }), ...(ca ? { ca } : {}) },
    disableFileAccess: true, disableUrlAccess: true,
  });
  return {
    async send(m) {
      try {
        const info = await transport.sendMail({
          from: m.from.name ? { name: m.from.name, address: m.from.address } : m.from.address,
          to: m.to, ...(m.replyTo ? { replyTo: m.replyTo } : {}),
          subject: m.subject, text: m.text, ...(m.html ? { html: m.html } : {}), messageId: m.messageId,
        });
        return { ok: true, reply: info.response };
      } catch (err) {
        return { ok: false, ...classify(err as SmtpError) };
      }
    },
    close: () => transport.close(),
  };
}
