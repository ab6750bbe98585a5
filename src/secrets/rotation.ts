/**
 * Re-encrypts every stored secret under the current key (`muster secrets rotate`). The keyring
 * still opens the old key's values throughout, so nothing is unreadable while it runs; each value
 * is replaced only if unchanged since it was read (a secret saved meanwhile is sealed under the
 * current key already, or is caught by the next pass). Only once no value is left under an old
 * key does the database's fingerprint move to the new key.
 */
import { SEALED_COLUMNS, type Store } from '../store/index.js';
import type { SecretBox } from './secret-box.js';
import { yieldToEventLoop } from '../runtime/turns.js';

const BATCH = 200;
/** A pass that still finds old values means writes raced it; a few passes settle any real load. */
const MAX_PASSES = 5;

export interface RotationResult {
  /** Values re-encrypted, per kind of secret. */
  readonly reencrypted: Record<string, number>;
  /** Values no key of the ring opens (already lost before the rotation): left as they are. */
  readonly unreadable: readonly { what: string; id: string }[];
  readonly fingerprint: string;
}

export async function rotateSecrets(store: Store, box: SecretBox, now: () => Date = () => new Date()): Promise<RotationResult> {
  const reencrypted: Record<string, number> = Object.create(null) as Record<string, number>;
  const unreadable = new Map<string, { what: string; id: string }>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = 0, stale = 0;
    for (const c of SEALED_COLUMNS) {
      let after = '';
      for (;;) {
        const rows = await store.secretKeys.sealedAfter(c, after, BATCH);
        if (!rows.length) break;
        for (const r of rows) {
          if (box.isCurrent(r.value)) continue;
          let plain: string;
          try {
            plain = box.open(r.value);
          } catch {
            unreadable.set(`${c.table}:${r.id}`, { what: c.what, id: r.id });
            continue;
          }
          if (await store.secretKeys.replaceSealed(c, r.id, r.value, box.seal(plain))) {
            reencrypted[c.what] = (reencrypted[c.what] ?? 0) + 1;
            changed++;
          } else {
            stale++;
          }
        }
        after = rows[rows.length - 1]!.id;
        await yieldToEventLoop();
      }
    }
    if (changed === 0 && stale === 0) break;
  }
  const fingerprint = box.fingerprint();
  await store.secretKeys.rotated(fingerprint, now().toISOString());
  return { reencrypted, unreadable: [...unreadable.values()], fingerprint };
}
