/**
 * Remembers every attribute path each list has received (including extension attributes under
 * URNs Muster has never seen), with a count and a sample value, so an admin can pick one to map
 * instead of typing a URN. Sightings are counted in memory and written in batches off the
 * request path; a new path is written within a second.
 */
import type { Logger } from '../log.js';
import { isObject } from '../scim/json.js';
import type { Store } from '../store/index.js';

type Doc = Readonly<Record<string, unknown>>;
const sampleOf = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 200);

/**
 * The mappable paths in a resource: `title`, `name.givenName`, `emails[type eq "work"].value`
 * (a typed multi-valued attribute, by type), `urn:…:User:costCode`, `urn:…:User:manager.value`.
 */
export function attributePaths(doc: Doc): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (prefix: string, key: string, v: unknown) => {
    const path = prefix + key;
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) {
      for (const el of v) {
        if (isObject(el)) {
          const typed = typeof el.type === 'string' ? `${path}[type eq ${JSON.stringify(el.type)}]` : path;
          for (const [sk, sv] of Object.entries(el)) {
            if (sk !== 'type' && sv !== null && !isObject(sv) && !out.has(`${typed}.${sk}`)) out.set(`${typed}.${sk}`, sv);
          }
        } else if (!out.has(path)) out.set(path, el);
      }
    } else if (isObject(v)) {
      for (const [sk, sv] of Object.entries(v)) if (!isObject(sv) && !Array.isArray(sv) && sv !== null) out.set(`${path}.${sk}`, sv);
    } else {
      out.set(path, v);
    }
  };
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'schemas' || k === 'id' || k === 'meta' || k === 'groups') continue;
    if (k.includes(':') && isObject(v)) for (const [ek, ev] of Object.entries(v)) visit(`${k}:`, ek, ev);
    else visit('', k, v);
  }
  return out;
}

export class AttributeTracker {
  private pending = new Map<string, Map<string, { count: number; sample: string }>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store, private readonly log: Logger, private readonly flushMs = 1000) {}

  observe(listId: string, doc: Doc): void {
    let list = this.pending.get(listId);
    if (!list) this.pending.set(listId, (list = new Map()));
    for (const [path, v] of attributePaths(doc)) {
      const cur = list.get(path);
      if (cur) cur.count++;
      else list.set(path, { count: 1, sample: sampleOf(v) });
    }
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const now = new Date().toISOString();
    for (const [listId, seen] of batch) {
      try {
        await this.store.roster.sawAttributes(listId, seen, now);
      } catch (err) {
        this.log.error('could not record received attributes', { listId, err: String(err) });
      }
    }
  }
}
