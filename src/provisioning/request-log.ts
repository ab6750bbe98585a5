/**
 * The request log, for troubleshooting, separate from the audit trail: what the IdP sent and
 * what Muster answered, secrets removed, kept for a configured number of days. Entries are
 * buffered and written in batches off the request path, so logging costs a provisioning
 * request almost nothing; a crash can lose the last second of entries, never a change.
 */
import type { NewRequestLogRow, Store } from '../store/index.js';

export type RequestLogMode = 'all' | 'failed' | 'off';

const MAX_BODY_CHARS = 65_536;
const FLUSH_EVERY_MS = 500;
const FLUSH_AT = 200;
const SECRET_KEYS = /^(password|secret|token|client_secret|access_token|refresh_token|authorization)$/i;

/** The attribute a PATCH path ends in: `password`, `urn:…:User:password`, `x[type eq "a"].secret`. */
const pathLeaf = (p: string): string => p.replace(/\[[^\]]*\]/g, '').split(/[.:]/).pop() ?? '';

/**
 * Replaces secret values, at any depth, with "[redacted]": values under secret-looking keys, and
 * the `value` of a PATCH operation whose `path` names one (`{"op":"replace","path":"password",…}`).
 */
export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const secretPath = typeof o.path === 'string' && SECRET_KEYS.test(pathLeaf(o.path));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, SECRET_KEYS.test(k) || (secretPath && k === 'value') ? '[redacted]' : redact(x)]));
  }
  return v;
}

/** Redacts a body that may or may not be JSON, and bounds its size. */
export function redactBody(body: unknown): string | null {
  if (body === undefined || body === null || body === '') return null;
  let text: string;
  if (typeof body === 'string') {
    try {
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

export class RequestLog {
  private buffer: NewRequestLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store, readonly mode: RequestLogMode, private readonly onError: (err: unknown) => void) {}

  wants(status: number): boolean {
    return this.mode === 'all' || (this.mode === 'failed' && status >= 400);
  }

  add(row: NewRequestLogRow): void {
    if (!this.wants(row.status)) return;
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
      for (let i = 0; i < rows.length; i += 100) {
        try {
          await this.store.audit.logRequests(rows.slice(i, i + 100));
        } catch (err) {
          this.onError(err);
        }
      }
    });
    return this.flushing;
  }
}
