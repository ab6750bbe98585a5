/**
 * Secrets at rest (the Entra client secret, wallet keys): AES-256-GCM under the installation's
 * secret key (MUSTER_SECRET_KEY, or the key file src/secrets/ keeps), a random 96-bit IV per
 * secret, the tag checked on open. Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 *
 * A box holds a keyring: it seals under the current key and opens with the current or a previous
 * one, so that secrets stay readable while `muster secrets rotate` re-encrypts them.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export class SecretBoxError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Keys as base64 strings: the one secrets are sealed under, and older ones still accepted. */
export interface Keyring {
  readonly current: string;
  readonly previous: readonly string[];
}

interface Keys {
  readonly current: Buffer;
  readonly all: readonly Buffer[];
}

function decode(keyBase64: string, name: string): Buffer {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new SecretBoxError('MUSTER_SECRET_KEY_INVALID', `${name} must be 32 bytes, base64-encoded (\`openssl rand -base64 32\`)`);
  return key;
}

/**
 * What the database stores to recognise a key without holding it: an HMAC-SHA256 under the key
 * of a constant (base64url). It reveals nothing of the key, and a node started with another key
 * is refused before it can seal anything under it.
 */
export function keyFingerprint(keyBase64: string): string {
  return createHmac('sha256', decode(keyBase64, 'the secret key')).update('muster secret key fingerprint v1', 'utf8').digest('base64url');
}

export class SecretBox {
  private decoded: { ring: Keyring; keys: Keys } | undefined;

  /**
   * `keys`: one key (base64), or a function answering the keyring at each use (a key file that
   * `muster secrets rotate` rewrites while the server runs; it should answer the same object while
   * the file is unchanged).
   */
  constructor(private readonly keys: string | undefined | (() => Keyring)) {
    if (!keys) throw new SecretBoxError('MUSTER_SECRET_KEY_MISSING', 'no secret key: set MUSTER_SECRET_KEY (32 random bytes, base64: `openssl rand -base64 32`) or let Muster write its key file to a writable data directory (MUSTER_DATA_DIR) to store connection secrets');
    if (typeof keys === 'string') this.ring();
  }

  private ring(): Keys {
    const ring = typeof this.keys === 'function' ? this.keys() : { current: this.keys!, previous: [] };
    if (this.decoded?.ring !== ring) {
      const current = decode(ring.current, 'MUSTER_SECRET_KEY');
      this.decoded = { ring, keys: { current, all: [current, ...ring.previous.map((k) => decode(k, 'MUSTER_SECRET_KEY_PREVIOUS'))] } };
    }
    return this.decoded.keys;
  }

  /** The fingerprint of the key secrets are sealed under now. */
  fingerprint(): string {
    return keyFingerprint(this.ring().current.toString('base64'));
  }

  /** The fingerprints of every key this box accepts, the current one first. */
  fingerprints(): string[] {
    return this.ring().all.map((k) => keyFingerprint(k.toString('base64')));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.ring().current, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  /**
   * An HMAC-SHA256 tag (base64url) for signed links, under a key derived from the current key
   * with HKDF (RFC 5869) and `purpose`, so a tag for one purpose is never valid for another and
   * never reveals anything of the encryption key.
   */
  tag(purpose: string, data: string): string {
    return tagWith(this.ring().current, purpose, data);
  }

  /** Checks a tag made by `tag` in constant time; tags made under a previous key still pass. */
  checkTag(purpose: string, data: string, tag: string): boolean {
    const got = Buffer.from(tag);
    let ok = false;
    for (const k of this.ring().all) {
      const want = Buffer.from(tagWith(k, purpose, data));
      if (want.length === got.length && timingSafeEqual(want, got)) ok = true;
    }
    return ok;
  }

  open(sealed: string): string {
    const plain = this.tryOpen(sealed, this.ring().all);
    if (plain === undefined) throw new SecretBoxError('MUSTER_SECRET_UNREADABLE', 'a stored secret cannot be decrypted: the secret key is not the key it was stored with');
    return plain;
  }

  /** Whether `sealed` is sealed under the current key (`muster secrets rotate` re-encrypts the others). */
  isCurrent(sealed: string): boolean {
    return this.tryOpen(sealed, [this.ring().current]) !== undefined;
  }

  private tryOpen(sealed: string, keys: readonly Buffer[]): string | undefined {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new SecretBoxError('MUSTER_SECRET_UNREADABLE', 'a stored secret is not in a format this Muster reads');
    for (const key of keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
      } catch {
        // GCM's tag did not verify under this key: try the next.
      }
    }
    return undefined;
  }
}

function tagWith(key: Buffer, purpose: string, data: string): string {
  const k = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `muster:${purpose}`, 32));
  return createHmac('sha256', k).update(data, 'utf8').digest('base64url');
}
