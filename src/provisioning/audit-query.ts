/**
 * Reading the audit trail: search with keyset cursors (fast on millions of events: every filter
 * is an indexed column and the cursor is the per-list sequence number) and streamed exports of
 * any size with flat memory (one batch in memory at a time, pulled as the client reads).
 */
import type { AuditEventRow, AuditQuery, RequestLogRow, Store } from '../store/index.js';
import { AUDIT_ACTIONS } from '../roster/audit.js';
import { csvRow } from '../roster/csv.js';

export class AuditQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditQueryError';
  }
}

export interface AuditFilter {
  readonly actions?: readonly string[];
  readonly person?: string;
  readonly idp?: string;
  readonly since?: string;
  readonly until?: string;
}

const json = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

/** The public shape of an event (admin API, JSON Lines export). */
export function eventView(r: AuditEventRow) {
  return {
    id: r.id, seq: r.seq, time: r.time, action: r.action,
    target: r.target_type ? { type: r.target_type, id: r.target_id, name: r.target_name } : null,
    changes: json(r.changes), detail: json(r.detail), requestId: r.request_id, actor: r.actor,
    token: r.token_id ? { id: r.token_id, label: r.token_label } : null,
    idp: r.idp ? { name: r.idp, evidence: r.idp_evidence } : null,
    normalisations: json(r.normalisations), prevHash: r.prev_hash, hash: r.hash,
  };
}

export function requestView(r: RequestLogRow) {
  return {
    id: r.id, time: r.time, requestId: r.request_id, method: r.method, path: r.path, status: r.status, durationMs: r.duration_ms,
    userAgent: r.user_agent, tokenLabel: r.token_label, idp: r.idp, requestBody: r.request_body, responseBody: r.response_body,
  };
}

function iso(v: string | undefined, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new AuditQueryError(`${name} must be a date or date-time such as 2026-01-31 or 2026-01-31T12:00:00Z`);
  return new Date(t).toISOString();
}

/** Validates filter parameters as they arrive from a query string. */
export function parseAuditFilter(p: Record<string, string | undefined>): AuditFilter {
  const actions = p.action ? p.action.split(',').map((a) => a.trim()).filter(Boolean) : undefined;
  const unknown = actions?.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a));
  if (unknown?.length) throw new AuditQueryError(`unknown action ${unknown.join(', ')}; actions are ${AUDIT_ACTIONS.join(', ')}`);
  return { actions, person: p.person || undefined, idp: p.idp || undefined, since: iso(p.since, 'since'), until: iso(p.until, 'until') };
}

const CSV_COLUMNS = ['seq', 'time', 'action', 'target_type', 'target_id', 'target_name', 'idp', 'idp_evidence', 'token_label',
  'request_id', 'actor', 'changes', 'detail', 'normalisations', 'hash'] as const;

export class AuditReader {
  constructor(private readonly store: Store) {}

  private query(listId: string, f: AuditFilter, order: 'asc' | 'desc', limit: number, cursor?: number): AuditQuery {
    return { listId, actions: f.actions, targetId: f.person, idp: f.idp, since: f.since, until: f.until, order, limit, cursor };
  }

  /** One page, newest first by default; `next` is the cursor for the following page. */
  async page(listId: string, f: AuditFilter, opts: { cursor?: number; limit: number; order: 'asc' | 'desc' }) {
    const rows = await this.store.audit.query(this.query(listId, f, opts.order, opts.limit, opts.cursor));
    return { events: rows.map(eventView), next: rows.length === opts.limit ? rows[rows.length - 1]!.seq : null };
  }

  /** A CSV or JSON Lines stream of every matching event, oldest first. */
  export(listId: string, f: AuditFilter, format: 'csv' | 'jsonl', batch = 1000): ReadableStream<Uint8Array> {
    const enc = new TextEncoder();
    let cursor: number | undefined;
    let started = false;
    let done = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (done) return;
        let text = '';
        if (!started && format === 'csv') text += csvRow(CSV_COLUMNS);
        started = true;
        const rows = await this.store.audit.query(this.query(listId, f, 'asc', batch, cursor));
        for (const r of rows) {
          text += format === 'csv' ? csvRow(CSV_COLUMNS.map((c) => r[c])) : JSON.stringify(eventView(r)) + '\n';
        }
        if (text) controller.enqueue(enc.encode(text));
        if (rows.length < batch) {
          done = true;
          controller.close();
        } else {
          cursor = rows[rows.length - 1]!.seq;
        }
      },
    }, { highWaterMark: 1 });
  }

  async requests(listId: string, opts: { failedOnly: boolean; requestId?: string; cursor?: number; limit: number }) {
    const rows = await this.store.audit.requests({ listId, ...opts });
    return { requests: rows.map(requestView), next: rows.length === opts.limit ? rows[rows.length - 1]!.id : null };
  }
}
