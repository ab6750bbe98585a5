/**
 * Secrets at rest (the Entra client secret): AES-256-GCM under MUSTER_SECRET_KEY, a random
 * 96-bit IV per secret, the tag checked on open. Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export class SecretBoxError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export class SecretBox {
  private readonly key: Buffer;

  constructor(keyBase64: string | undefined) {
    if (!keyBase64) throw new SecretBoxError('MUSTER_SECRET_KEY_MISSING', 'set MUSTER_SECRET_KEY (32 random bytes, base64: `openssl rand -base64 32`) to store connection secrets');
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length !== 32) throw new SecretBoxError('MUSTER_SECRET_KEY_INVALID', 'MUSTER_SECRET_KEY must be 32 bytes, base64-encoded (`openssl rand -base64 32`)');
    this.key = key;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  /**
   * An HMAC-SHA256 tag (base64url) for signed links, under a key derived from MUSTER_SECRET_KEY
   * with HKDF (RFC 5869) and `purpose`, so a tag for one purpose is never valid for another and
   * never reveals anything of the encryption key.
   */
  tag(purpose: string, data: string): string {
    const k = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `muster:${purpose}`, 32));
    return createHmac('sha256', k).update(data, 'utf8').digest('base64url');
  }

  /** Checks a tag made by `tag` in constant time. */
  checkTag(purpose: string, data: string, tag: string): boolean {
    const want = Buffer.from(this.tag(purpose, data)), got = Buffer.from(tag);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new SecretBoxError('MUSTER_SECRET_UNREADABLE', 'a stored secret is not in a format this Muster reads');
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('MUSTER_SECRET_UNREADABLE', 'a stored secret cannot be decrypted: MUSTER_SECRET_KEY is not the key it was stored with');
    }
  }
}
