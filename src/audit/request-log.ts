/**
 * The request log, for troubleshooting, separate from the audit trail: what the IdP sent and
 * what Muster answered, secrets removed, kept for a configured number of days. Entries are
 * buffered and written in batches off the request path, so logging costs a provisioning
 * request almost nothing; a crash can lose the last second of entries, never a change.
 */
import type { NewRequestLogRow, Store } from '../store/index.js';
import { MAX_JSON_DEPTH, jsonTextDepth } from '../scim/input-guard.js';
import { setOwn } from '../scim/json.js';
import { databaseUnavailable } from '../store/unavailable.js';

export type RequestLogMode = 'all' | 'failed' | 'off';

const MAX_BODY_CHARS = 65_536;
const FLUSH_EVERY_MS = 500;
const FLUSH_AT = 200;
const SECRET_KEYS = /^(password|secret|token|client_secret|access_token|refresh_token|authorization)$/i;

/** The attribute a PATCH path ends in: `password`, `urn:…:User:password`, `x[type eq "a"].secret`. */
const pathLeaf = (p: string): string => p.replace(/\[[^\]]*\]/g, '').split(/[.:]/).pop() ?? '';

const TOO_DEEP = '[not logged: nested too deep]';

/**
 * Every name SECRET_KEYS matches, and every PATCH path ending in one, contains one of these words:
 * a text without any of them has nothing to redact, and is kept as it is instead of being parsed,
 * walked and serialised again (the request log of a write did that twice, issue 16).
 */
const SECRET_WORD = /password|secret|token|authorization/i;

/**
 * Replaces secret values, at any depth, with "[redacted]": values under secret-looking keys, and
 * the `value` of a PATCH operation whose `path` names one (`{"op":"replace","path":"password",…}`).
 * Bounded: past MAX_JSON_DEPTH levels (deeper than any body the input guard accepts, e.g. a
 * resource stored before it existed) a value is replaced by a marker rather than walked, so the
 * walk can neither overflow the stack nor leak a secret nested further down (issue 12, defect 6).
 */
export function redact(v: unknown, depth = 1): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  const o = v as Record<string, unknown>;
  const path = Object.hasOwn(o, 'path') ? o.path : undefined;
  const secretPath = typeof path === 'string' && SECRET_KEYS.test(pathLeaf(path));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) setOwn(out, k, SECRET_KEYS.test(k) || (secretPath && k === 'value') ? '[redacted]' : redact(x, depth + 1));
  return out;
}

/** Redacts a body that may or may not be JSON, and bounds its size. */
export function redactBody(body: unknown): string | null {
  if (body === undefined || body === null || body === '') return null;
  let text: string;
  if (typeof body === 'string' && !SECRET_WORD.test(body)) {
    text = body;
  } else if (typeof body === 'string') {
    try {
      // A body too deep to be accepted is not parsed here either; it is kept as text, redacted below.
      if (jsonTextDepth(body) > MAX_JSON_DEPTH) throw new RangeError('too deep');
      text = JSON.stringify(redact(JSON.parse(body)));
    } catch {
      // Not JSON (a form, a broken body): redact quoted and unquoted values after secret-looking names.
      text = body.replace(/(\b\w*(password|secret|token)\w*"?\s*[:=]\s*)("[^"]*"?|[^\s&,;"}]+)/gi, '$1"[redacted]"');
    }
  } else {
    text = JSON.stringify(redact(body));
  }
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}… [truncated, ${text.length} characters]` : text;
}

/**
 * What the log holds in memory at most while its writes wait (another process holding SQLite's
 * write lock: each batch waits up to 5 s, src/store/sqlite/write-lock.ts, while requests go on
 * arriving): past it, requests are not logged until it has caught up, and how many is reported.
 * Bodies are kept up to 64 KB each, so without a bound a long wait under Bulk traffic would fill
 * the heap. A settings object so that a test can lower it.
 */
export const REQUEST_LOG_BACKLOG = { rows: 10_000, chars: 16 * 1_048_576 };

const charsOf = (row: NewRequestLogRow): number => (row.request_body?.length ?? 0) + (row.response_body?.length ?? 0) + row.path.length;

export class RequestLog {
  private buffer: NewRequestLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Rows added and not yet written (or failed), and their text. */
  private pendingRows = 0;
  private pendingChars = 0;
  /** Requests not logged since the log fell behind. */
  private dropped = 0;

  constructor(private readonly store: Store, readonly mode: RequestLogMode, private readonly onError: (err: unknown) => void) {}

  wants(status: number): boolean {
    return this.mode === 'all' || (this.mode === 'failed' && status >= 400);
  }

  add(row: NewRequestLogRow): void {
    if (!this.wants(row.status)) return;
    const chars = charsOf(row);
    if (this.pendingRows >= REQUEST_LOG_BACKLOG.rows || this.pendingChars + chars > REQUEST_LOG_BACKLOG.chars) {
      if (this.dropped++ === 0) this.onError(new Error(`the request log is behind (${this.pendingRows} requests waiting for the database): requests are not logged until it catches up`));
      return;
    }
    this.pendingRows++;
    this.pendingChars += chars;
    this.buffer.push(row);
    if (this.buffer.length >= FLUSH_AT) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Writes what is buffered; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      let failed = false;
      for (let i = 0; i < rows.length; i += 100) {
        const batch = rows.slice(i, i + 100);
        try {
          // After a batch the database could not take, the rest of this flush is not tried: each
          // would wait as long again (5 s behind another process's SQLite write lock), and the
          // node's shutdown waits for the flush.
          if (failed) this.dropped += batch.length;
          else await this.store.audit.logRequests(batch);
        } catch (err) {
          this.dropped += batch.length;
          failed = databaseUnavailable(err);
          try {
            this.onError(err);
          } catch { /* the log must not stop the flush */ }
        } finally {
          this.pendingRows -= batch.length;
          for (const r of batch) this.pendingChars -= charsOf(r);
        }
      }
      if (this.dropped > 0) {
        const n = this.dropped;
        this.dropped = 0;
        try {
          this.onError(new Error(`${n} requests were not logged (the request log was behind, or its writes failed)`));
        } catch { /* as above */ }
      }
    });
    return this.flushing;
  }
}
