import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer token secrets. The fixed prefix lets secret scanners (GitHub push protection,
 * trufflehog, gitleaks custom rules) recognise a leaked Muster token: `mst_scim_` + 43
 * base64url characters (256 random bits). Only the SHA-256 of a secret is stored; a secret
 * with 256 bits of entropy needs no slow hash.
 */
export const TOKEN_PREFIX = 'mst_scim_';
const TOKEN_SHAPE = /^mst_scim_[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeToken(s: string): boolean {
  return TOKEN_SHAPE.test(s);
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex'), y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What a token list may show: the prefix and the first characters after it. */
export function hintOf(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + 4) + '…';
}
