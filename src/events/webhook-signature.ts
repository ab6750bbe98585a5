/**
 * Webhook signatures (docs/webhooks.md#verifying-signatures): HMAC-SHA256, keyed with the
 * endpoint's secret (the whole `whsec_…` string as UTF-8), over `${timestamp}.${body}`, sent as
 * `Muster-Signature: t=<unix seconds>,v1=<hex>`, one `v1` per live secret while a rotated secret
 * is in its grace period. The scheme is Stripe's (https://docs.stripe.com/webhooks#verify-manually):
 * the timestamp inside the signed bytes lets a receiver refuse replays of old deliveries.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'Muster-Signature';
export const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes, base64url, with a prefix that secret scanners can find. */
export const newWebhookSecret = (): string => `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for `body` sent at `timestamp` (unix seconds), signed with every live secret. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signatureOf(s, timestamp, body)}`)].join(',');
}
