/**
 * Reading the audit trail: search with keyset cursors (fast on millions of events: every filter
 * is an indexed column and the cursor is the per-list sequence number) and streamed exports of
 * any size with flat memory (one batch in memory at a time, pulled as the client reads).
 */
import { ScanBusyError, type AuditEventRow, type AuditQuery, type RequestLogRow, type Store } from '../store/index.js';
import { AUDIT_ACTIONS, type FieldChange } from '../roster/audit.js';
import { changeSentence, changesInWords, detailFacts, eventTitle, referencedIds, type ChangeInWords, type Fact } from '../roster/audit-words.js';
import type { MappingEntry, RosterField } from '../roster/fields.js';
import { csvRow } from '../roster/csv.js';
import { holderName } from '../credentials/credential-service.js';

export class AuditQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditQueryError';
  }
}

export interface AuditFilter {
  readonly actions?: readonly string[];
  /** A person's name, email, identifier or id (what the audit trail's Person box takes). */
  readonly person?: string;
  /** Exactly this person (or group) id: the person page's history. */
  readonly personId?: string;
  readonly idp?: string;
  /** One event by its sequence number (the Sync tab's live activity links to it). */
  readonly event?: number;
  readonly since?: string;
  readonly until?: string;
}

/**
 * A stored JSON column. Content edited on disk into something that is not JSON (or a packed value
 * that no longer unpacks) is shown as the text it is, so the trail still opens at the event that
 * `verify` names, instead of failing the whole page.
 */
const json = (s: string | null): unknown => {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

/** The public shape of an event (admin API, JSON Lines export): the stored content as stored. */
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

/** An event read in the list's words: its title, one change per roster field, its detail as facts. */
export interface EventWords {
  readonly title: string;
  readonly changes: readonly ChangeInWords[];
  readonly facts: readonly Fact[];
}

/** What reading events in words needs of a list, loaded once per page or export. */
interface WordsSource {
  readonly fields: readonly RosterField[];
  readonly mapping: readonly MappingEntry[];
}

const parsedChanges = (r: AuditEventRow): FieldChange[] => {
  const v = json(r.changes);
  return Array.isArray(v) ? (v as FieldChange[]) : [];
};
const parsedDetail = (r: AuditEventRow) => {
  const v = json(r.detail);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
};
/** Roster changes are a person's: other events' changes (a list's name) are not read through the mapping. */
const mappingFor = (r: AuditEventRow, src: WordsSource) => (r.target_type === 'person' ? src.mapping : []);

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
  const text = (v: string | undefined, name: string) => {
    const t = v?.trim();
    if (t && t.length > 200) throw new AuditQueryError(`${name} must be at most 200 characters`);
    return t || undefined;
  };
  let event: number | undefined;
  if (p.event !== undefined && p.event !== '') {
    event = Number(p.event);
    if (!Number.isSafeInteger(event) || event < 1) throw new AuditQueryError('event must be an event number (a positive integer)');
  }
  return {
    actions, person: text(p.person, 'person'), personId: text(p.personId, 'personId'), idp: text(p.idp, 'idp'),
    since: iso(p.since, 'since'), until: iso(p.until, 'until'), ...(event !== undefined ? { event } : {}),
  };
}

/**
 * The CSV export: the event in words (title, one line per change as "Label: before → after", the
 * fields' labels, the detail as "Label: text"), then the raw stored paths and JSON in their own
 * columns, line for line with the changes, so a reader can check any line against the chain.
 */
const CSV_COLUMNS = ['seq', 'time', 'action', 'event', 'target_type', 'target_id', 'target_name', 'idp', 'idp_evidence', 'token_label',
  'request_id', 'actor', 'changes', 'fields', 'change_paths', 'details', 'changes_json', 'detail_json', 'normalisations', 'hash'] as const;

export class AuditReader {
  constructor(private readonly store: Store) {}

  private query(listId: string, f: AuditFilter, order: 'asc' | 'desc', limit: number, cursor?: number): AuditQuery {
    return {
      listId, actions: f.actions, targetId: f.personId, personText: f.person, idp: f.idp, since: f.since, until: f.until, order, limit, cursor,
      ...(f.event !== undefined ? { seq: f.event } : {}),
    };
  }

  private async wordsSource(listId: string): Promise<WordsSource> {
    const [fields, mapping] = await Promise.all([this.store.roster.fields(listId), this.store.roster.mapping(listId)]);
    return { fields, mapping };
  }

  /** The rows in words; the people they name (managers, members) are looked up once for the batch. */
  private async inWords(listId: string, rows: readonly AuditEventRow[], src: WordsSource): Promise<EventWords[]> {
    const ids = new Set<string>();
    for (const r of rows) for (const id of referencedIds(parsedChanges(r), { fields: src.fields, mapping: mappingFor(r, src) })) ids.add(id);
    const names = new Map<string, string>();
    for (const [id, data] of await this.store.users.dataOf(listId, [...ids])) names.set(id, holderName(data));
    return rows.map((r) => {
      const detail = parsedDetail(r);
      return {
        title: eventTitle(r.action, detail),
        changes: changesInWords(parsedChanges(r), { fields: src.fields, mapping: mappingFor(r, src), names }),
        facts: detailFacts(r.action, detail),
      };
    });
  }

  /** One page, newest first by default; `next` is the cursor for the following page. Each event comes with its `words`. */
  async page(listId: string, f: AuditFilter, opts: { cursor?: number; limit: number; order: 'asc' | 'desc' }) {
    const rows = await this.store.audit.query(this.query(listId, f, opts.order, opts.limit, opts.cursor));
    const words = await this.inWords(listId, rows, await this.wordsSource(listId));
    return { events: rows.map((r, i) => ({ ...eventView(r), words: words[i]! })), next: rows.length === opts.limit ? rows[rows.length - 1]!.seq : null };
  }

  /**
   * A CSV or JSON Lines stream of every matching event, oldest first. The first batch is read
   * before the stream is answered, so that a refusal (a search by name when its list's lane of
   * whole-list reads is full, or past its deadline: store/scan-pool.ts) is an HTTP error rather
   * than an empty download. Later batches wait their turn when the lane is full.
   */
  async export(listId: string, f: AuditFilter, format: 'csv' | 'jsonl', batch = 1000): Promise<ReadableStream<Uint8Array>> {
    const enc = new TextEncoder();
    let cursor: number | undefined;
    let src: WordsSource | undefined;
    let done = false;
    let first: AuditEventRow[] | undefined = await this.store.audit.query(this.query(listId, f, 'asc', batch, cursor));
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (done) return;
        let text = '';
        if (!src && format === 'csv') {
          src = await this.wordsSource(listId);
          text += csvRow(CSV_COLUMNS);
        }
        const rows = first ?? await this.waitingTurn(this.query(listId, f, 'asc', batch, cursor));
        first = undefined;
        if (format === 'csv') {
          const words = await this.inWords(listId, rows, src!);
          rows.forEach((r, i) => {
            const w = words[i]!;
            const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
              seq: r.seq, time: r.time, action: r.action, event: w.title, target_type: r.target_type, target_id: r.target_id, target_name: r.target_name,
              idp: r.idp, idp_evidence: r.idp_evidence, token_label: r.token_label, request_id: r.request_id, actor: r.actor,
              changes: w.changes.map(changeSentence).join('\n'), fields: w.changes.map((c) => c.label).join('\n'),
              change_paths: w.changes.map((c) => c.paths.join(' + ')).join('\n'), details: w.facts.map((x) => `${x.label}: ${x.text}`).join('\n'),
              changes_json: r.changes, detail_json: r.detail, normalisations: r.normalisations, hash: r.hash,
            };
            text += csvRow(CSV_COLUMNS.map((c) => cells[c]));
          });
        } else {
          for (const r of rows) text += JSON.stringify(eventView(r)) + '\n';
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

  /** An export's next batch: when its list's lane is full, it waits the time the lane says and asks again (a minute at most). */
  private async waitingTurn(q: AuditQuery): Promise<AuditEventRow[]> {
    for (let waited = 0; ; ) {
      try {
        return await this.store.audit.query(q);
      } catch (err) {
        if (!(err instanceof ScanBusyError) || waited >= 60) throw err;
        waited += err.retryAfterSeconds;
        await new Promise((r) => setTimeout(r, err.retryAfterSeconds * 1000));
      }
    }
  }

  async requests(listId: string, opts: { failedOnly: boolean; requestId?: string; cursor?: number; limit: number }) {
    const rows = await this.store.audit.requests({ listId, ...opts });
    return { requests: rows.map(requestView), next: rows.length === opts.limit ? rows[rows.length - 1]!.id : null };
  }
}
