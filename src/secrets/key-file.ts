/**
 * The installation's secret key on disk, for installations that do not set MUSTER_SECRET_KEY:
 * `<data dir>/secret.key`, mode 0600, in the same `NAME=value` form as the environment variables
 * (so moving the key into a secret store is a copy and paste), with comments on what it is and how
 * to back it up. While `muster secrets rotate` runs it also holds MUSTER_SECRET_KEY_PREVIOUS.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SecretBoxError, type Keyring } from './secret-box.js';

export const KEY_FILE_NAME = 'secret.key';

const HEADER = `# Muster's secret key. It encrypts the secrets stored in the database (Entra ID client secrets,
# Apple and Google Wallet keys) and signs pass download links.
# Back this file up together with the database: without it those secrets cannot be read.
# Keep it private (mode 0600), and give every node of this installation the same key: copy this
# file, or set MUSTER_SECRET_KEY to the value below. Change it with \`muster secrets rotate\`.
`;

const isKey = (s: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length === 32;

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

/** Reads and checks a key file. */
export function readKeyFile(file: string): Keyring {
  const text = fs.readFileSync(file, 'utf8');
  let current: string | undefined;
  const previous: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(MUSTER_SECRET_KEY|MUSTER_SECRET_KEY_PREVIOUS)=(.*)$/.exec(line);
    if (!m || !isKey(m[2]!.trim())) {
      throw new SecretBoxError('MUSTER_SECRET_KEY_INVALID', `the key file ${file} is damaged: each line must be MUSTER_SECRET_KEY=<32 bytes in base64> (or MUSTER_SECRET_KEY_PREVIOUS=…); restore it from your backup`);
    }
    if (m[1] === 'MUSTER_SECRET_KEY') current = m[2]!.trim();
    else previous.push(m[2]!.trim());
  }
  if (!current) throw new SecretBoxError('MUSTER_SECRET_KEY_INVALID', `the key file ${file} holds no MUSTER_SECRET_KEY line; restore it from your backup`);
  return { current, previous };
}

function render(ring: Keyring): string {
  return `${HEADER}MUSTER_SECRET_KEY=${ring.current}\n${ring.previous.map((k) => `MUSTER_SECRET_KEY_PREVIOUS=${k}\n`).join('')}`;
}

/**
 * Creates the key file with a new key, only if there is none yet (two nodes starting at once on one
 * data directory must end with one key). Answers the keyring in the file and whether it was made now.
 */
export function createKeyFile(file: string): { ring: Keyring; created: boolean } {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const ring = { current: newKey(), previous: [] };
  try {
    // 'wx': fails if the file exists; the mode applies from creation, never readable by others.
    fs.writeFileSync(file, render(ring), { flag: 'wx', mode: 0o600 });
    return { ring, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { ring: readKeyFile(file), created: false };
    throw err;
  }
}

/**
 * Replaces the key file's content in one step: a new file (0600) written and flushed beside it,
 * then renamed over it, so a crash leaves either the old file or the new one, never half of one.
 */
export function writeKeyFile(file: string, ring: Keyring): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, render(ring));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * The keyring of a key file as a running server sees it: read again whenever the file changes,
 * so secrets re-encrypted by `muster secrets rotate` stay readable without a restart, and new
 * secrets are sealed under the new key as soon as it is written.
 */
export class KeyFile {
  private cached: { stamp: string; ring: Keyring };

  constructor(readonly path: string, ring: Keyring) {
    this.cached = { stamp: this.stamp() ?? '', ring };
  }

  private stamp(): string | undefined {
    try {
      const st = fs.statSync(this.path);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  /** The same object while the file is unchanged (SecretBox decodes keys once per keyring). */
  keyring(): Keyring {
    const stamp = this.stamp();
    // A file gone missing while running keeps the keys already read; start-up will say so.
    if (stamp !== undefined && stamp !== this.cached.stamp) this.cached = { stamp, ring: readKeyFile(this.path) };
    return this.cached.ring;
  }
}
