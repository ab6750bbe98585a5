/**
 * Which secret key this node uses, and whether it may: MUSTER_SECRET_KEY when set, else the key
 * file in the data directory, generated on the first start of an installation. The database keeps
 * the key's fingerprint; a node whose key does not match it is refused at start, so several nodes
 * on one PostgreSQL database can never seal secrets the others cannot open.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/index.js';
import { SecretBox, SecretBoxError, type Keyring } from './secret-box.js';
import { createKeyFile, KEY_FILE_NAME, KeyFile, readKeyFile } from './key-file.js';

export interface SecretKeySettings {
  readonly secretKey: string | undefined;
  readonly secretKeyPrevious: string | undefined;
  readonly dataDir: string;
}

/** Where this node's key came from, for the start banner and the logs (never the key). */
export type SecretKeySource =
  | { readonly kind: 'environment' }
  | { readonly kind: 'file'; readonly path: string; readonly created: boolean }
  /** No key and nowhere to write one: secrets cannot be stored (MUSTER_SECRET_KEY_MISSING when tried). */
  | { readonly kind: 'none'; readonly path: string; readonly reason: string };

export interface SecretKey {
  readonly source: SecretKeySource;
  /** Undefined only with source `none`. */
  readonly box: SecretBox | undefined;
  /** A previous key matched the database: `muster secrets rotate` has not run yet. */
  readonly rotationPending: boolean;
}

export const keyFilePath = (s: SecretKeySettings) => path.resolve(s.dataDir, KEY_FILE_NAME);

const short = (fp: string) => fp.slice(0, 12);

function mismatch(source: string, mine: string, stored: string, file: string): SecretBoxError {
  return new SecretBoxError('MUSTER_SECRET_KEY_MISMATCH',
    `this node's secret key (${source}, fingerprint ${short(mine)}) is not the key this database's secrets are stored with (fingerprint ${short(stored)}). `
    + `Every node of an installation must use the same key: copy the key file (${file}) from the node that made it, or set MUSTER_SECRET_KEY to the same value on every node, then start again. `
    + 'To change the key, set the new one as MUSTER_SECRET_KEY and the old one as MUSTER_SECRET_KEY_PREVIOUS and run `muster secrets rotate` (docs/configuration.md#the-secret-key).');
}

/** Resolves this node's key and checks it against the database; records its fingerprint on first start. */
export async function openSecretKey(settings: SecretKeySettings, store: Store, now: () => Date = () => new Date()): Promise<SecretKey> {
  const file = keyFilePath(settings);
  const stored = await store.secretKeys.fingerprint();
  let source: SecretKeySource, box: SecretBox;
  if (settings.secretKey) {
    const ring: Keyring = { current: settings.secretKey, previous: settings.secretKeyPrevious ? [settings.secretKeyPrevious] : [] };
    source = { kind: 'environment' };
    box = new SecretBox(() => ring);
  } else if (fs.existsSync(file)) {
    const keyFile = new KeyFile(file, readKeyFile(file));
    source = { kind: 'file', path: file, created: false };
    box = new SecretBox(() => keyFile.keyring());
  } else {
    if (stored) {
      throw new SecretBoxError('MUSTER_SECRET_KEY_NOT_FOUND',
        `this database's secrets are stored with a key (fingerprint ${short(stored)}) that this node does not have: MUSTER_SECRET_KEY is not set and there is no key file at ${file}. `
        + 'Copy the key file from the node that made it to that path (mode 0600), or set MUSTER_SECRET_KEY to its value, then start again.');
    }
    const existing = await store.secretKeys.anySealed();
    if (existing) {
      // An installation from before key files stored its secrets under MUSTER_SECRET_KEY: a new key would not open them.
      throw new SecretBoxError('MUSTER_SECRET_KEY_NOT_FOUND',
        `this database holds ${existing.what} stored with MUSTER_SECRET_KEY, which is not set: set it again to the key they were stored with, then start again.`);
    }
    try {
      const made = createKeyFile(file);
      const keyFile = new KeyFile(file, made.ring);
      source = { kind: 'file', path: file, created: made.created };
      box = new SecretBox(() => keyFile.keyring());
    } catch (err) {
      // A read-only data directory (a container without a volume) must not stop an installation that
      // never stores a secret; storing one then fails with MUSTER_SECRET_KEY_MISSING, which says why.
      return { source: { kind: 'none', path: file, reason: (err as Error).message }, box: undefined, rotationPending: false };
    }
  }
  const mine = box.fingerprints();
  const label = source.kind === 'environment' ? 'MUSTER_SECRET_KEY' : `the key file ${file}`;
  if (stored) {
    if (!mine.includes(stored)) throw mismatch(label, mine[0]!, stored, file);
    return { source, box, rotationPending: mine[0] !== stored };
  }
  // First start with a key: secrets stored before fingerprints existed must open with it.
  const existing = await store.secretKeys.anySealed();
  if (existing) {
    try {
      box.open(existing.value);
    } catch {
      throw new SecretBoxError('MUSTER_SECRET_KEY_MISMATCH', `this node's secret key (${label}) does not open the ${existing.what} stored in this database: start it with the key they were stored with.`);
    }
  }
  const recorded = await store.secretKeys.recordFirst(mine[0]!, now().toISOString());
  // Two nodes with different keys starting at once on an empty database: the second to record loses.
  if (!mine.includes(recorded)) throw mismatch(label, mine[0]!, recorded, file);
  return { source, box, rotationPending: false };
}
