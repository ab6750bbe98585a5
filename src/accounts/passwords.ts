import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Admin passwords, hashed with scrypt: memory-hard (N=2^17, r=8, p=1: 128 MiB per hash, the
 * first scrypt setting of the OWASP Password Storage Cheat Sheet), so a stolen database costs an
 * attacker memory as well as time per guess. node:crypto ships it: no native add-on to build.
 * The parameters are stored with each hash, so they can be raised later without a migration.
 *
 * At most two hashes run at once, and at most 32 wait: scrypt runs on libuv's small thread pool,
 * which DNS lookups and file reads share, so a flood of sign-ins must not starve the rest of
 * Muster (revocation pushes resolve APNs and Google through that pool).
 */
const N = 2 ** 17, R = 8, P = 1, KEYLEN = 32;
const MAX_RUNNING = 2, MAX_WAITING = 32;

export class PasswordsBusyError extends Error {
  constructor() {
    super('too many sign-ins at once; try again in a moment');
    this.name = 'PasswordsBusyError';
  }
}

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) throw new PasswordsBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1_048_576 };
  return limited(() => new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key)))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing, verified when the email is unknown so both answers take the same time. */
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword(randomBytes(16).toString('hex')));

/** Why a new password is refused, or undefined when it is acceptable (NIST SP 800-63B §5.1.1: length, not composition rules). */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'a password is required';
  if ([...password].length < MIN_PASSWORD_LENGTH) return `the password must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  return undefined;
}
