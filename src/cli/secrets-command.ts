/**
 * `muster secrets rotate`: replaces the installation's secret key and re-encrypts every stored
 * secret under the new one (src/secrets/rotation.ts), the old key accepted until it has finished.
 *
 * - Key file (no MUSTER_SECRET_KEY): a new key is written to the file with the old one beside it
 *   as MUSTER_SECRET_KEY_PREVIOUS; a server running on this machine reads the file again and
 *   carries on; when every secret is re-encrypted the old key leaves the file. Run again after an
 *   interruption, it finishes the same rotation.
 * - MUSTER_SECRET_KEY: the operator sets the new key as MUSTER_SECRET_KEY and the old one as
 *   MUSTER_SECRET_KEY_PREVIOUS on every node (which then read both), then runs this once.
 */
import type { Config } from '../config.js';
import { openStore } from '../main.js';
import { UsageError } from '../lists/lists-service.js';
import { newKey, openSecretKey, readKeyFile, rotateSecrets, writeKeyFile, type SecretKeySource } from '../secrets/index.js';
import { SecretBoxError } from '../secrets/secret-box.js';


export async function secretsCommand(config: Config, sub: string | undefined, json: boolean, out: (s: string) => void): Promise<number> {
  if (sub !== 'rotate') throw new UsageError('MUSTER_CLI_USAGE', `unknown command "secrets ${sub ?? ''}"; did you mean: muster secrets rotate`);
  const store = await openStore(config);
  try {
    const key = await openSecretKey(config, store);
    if (key.source.kind === 'none') throw new SecretBoxError('MUSTER_SECRET_KEY_MISSING', `no secret key to rotate: the key file ${key.source.path} cannot be written (${key.source.reason})`);
    if (key.source.kind === 'environment' && !config.secretKeyPrevious && !key.rotationPending) {
      throw new UsageError('MUSTER_CLI_USAGE', 'the secret key comes from MUSTER_SECRET_KEY: to rotate it, set MUSTER_SECRET_KEY to a new key (openssl rand -base64 32) and MUSTER_SECRET_KEY_PREVIOUS to the current one on every node, restart them, then run muster secrets rotate with the same two variables');
    }
    const file = key.source.kind === 'file' ? key.source.path : undefined;
    if (file && readKeyFile(file).previous.length === 0) {
      // The box reads the file at each use: from here on it seals under the new key and opens both.
      writeKeyFile(file, { current: newKey(), previous: [readKeyFile(file).current] });
    }
    const r = await rotateSecrets(store, key.box!);
    if (file) writeKeyFile(file, { current: readKeyFile(file).current, previous: [] });
    const total = Object.values(r.reencrypted).reduce((a, b) => a + b, 0);
    if (json) {
      out(JSON.stringify({ source: key.source.kind, keyFile: file ?? null, fingerprint: r.fingerprint, reencrypted: r.reencrypted, unreadable: r.unreadable }));
    } else {
      out(`Re-encrypted ${total} stored secret${total === 1 ? '' : 's'} under the new key (fingerprint ${r.fingerprint.slice(0, 12)})${total ? `: ${Object.entries(r.reencrypted).map(([k, n]) => `${n} ${k}`).join(', ')}` : ''}.`);
      for (const u of r.unreadable) out(`Could not read one of the ${u.what} (${u.id}) with either key: it was already unreadable; store it again.`);
      out(file
        ? `The new key is in ${file}: back it up now (the backed-up old key no longer opens this database's secrets). Other nodes need a copy of this file before they start again.`
        : 'Now remove MUSTER_SECRET_KEY_PREVIOUS from every node and restart them.');
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** The start banner's word on the secret key: where it is and how to keep it (never the key). */
export function secretKeyLine(s: SecretKeySource): string {
  if (s.kind === 'environment') return 'Secret key:    from MUSTER_SECRET_KEY';
  if (s.kind === 'none') return `Secret key:    none (cannot write ${s.path}: ${s.reason}); set MUSTER_SECRET_KEY before connecting Entra ID or wallets`;
  return `Secret key:    ${s.path}${s.created ? ' (generated now)' : ''}; back it up with the database, and copy it to every other node`;
}
