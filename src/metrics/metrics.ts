/**
 * The installation's Prometheus metrics (the text exposition format, served at GET /metrics:
 * docs/operations.md#monitoring), on a registry of their own rather than prom-client's global one,
 * so that two Musters in one process (tests, multi-node tests) never mix their counts.
 *
 * Adding metrics (webhook deliveries, …): declare them here, beside these, as fields created in
 * the constructor with `registers: [this.registry]`; name them `muster_<domain>_<what>_<unit>`
 * (`_total` for counters, `_seconds` for durations); give them only labels whose values come from
 * a short fixed set (an outcome, a kind, a route template; never an id, a path, an address or a
 * name from input: every distinct value is a time series kept for ever); and receive this object
 * in the service's constructor from main.ts. Add the names to the dashboard
 * (docs/grafana-dashboard.json) if they deserve a panel: test/metrics.test.ts checks that every
 * name the dashboard uses exists.
 *
 * Counters count what this node did: a Prometheus query sums them over the nodes. Gauges read
 * from the database at scrape time (the job queue) describe the whole installation: take max()
 * over the nodes, not sum().
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: a SCIM write takes milliseconds; a large Bulk or search, seconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: jobs run from a wallet push (a fraction of a second) to a first Entra sync (an hour). */
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/** Read at scrape time from the database: how many jobs wait or run, and how long the oldest has waited. */
export interface QueueStats {
  readonly kind: string;
  readonly state: 'queued' | 'running';
  readonly count: number;
  /** When the oldest row in this state was created (ISO 8601). */
  readonly oldest: string | null;
}

export interface MetricsSources {
  /** The job and email queues, grouped by kind and state. */
  readonly queues?: () => Promise<readonly QueueStats[]>;
  /** The database connection pool: open, idle, and callers waiting for a connection. */
  readonly pool?: () => { readonly total: number; readonly idle: number; readonly waiting: number; readonly max: number };
  /** The lane of queries that read a whole list (store/scan-pool.ts). */
  readonly scans?: () => ScanStats | undefined;
}

/** The lane's counts (the store's ScanStats): run, waiting or running now, refused at once, stopped at the deadline, not run because their client had left. */
export interface ScanStats {
  readonly done: number;
  readonly pending: number;
  readonly refused: number;
  readonly timedOut: number;
  readonly dropped: number;
}

/** The IdP label takes the names src/lists/idp.ts can return, `none`, or `other`: never free text. */
const IDP_LABEL = /^[A-Za-z][A-Za-z ]{0,30}$/;

export class Metrics {
  readonly registry = new Registry();
  private readonly idps = new Set<string>();

  readonly httpRequests = new Counter({
    name: 'muster_http_requests_total', help: 'HTTP requests answered, by method, route template, status and the calling IdP (SCIM only; otherwise none)',
    labelNames: ['method', 'route', 'status', 'idp'] as const, registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'muster_http_request_duration_seconds', help: 'Time from receiving a request to its answer, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'] as const, buckets: HTTP_BUCKETS, registers: [this.registry],
  });
  readonly httpInFlight = new Gauge({ name: 'muster_http_requests_in_flight', help: 'Requests being worked on now', registers: [this.registry] });
  readonly scimOperations = new Counter({
    name: 'muster_scim_operations_total', help: 'SCIM operations (RFC 7644 §3) by resource, operation and outcome (success, client_error, throttled, server_error, aborted)',
    labelNames: ['resource', 'operation', 'outcome'] as const, registers: [this.registry],
  });
  readonly auditEvents = new Counter({
    name: 'muster_audit_events_total', help: 'Audit events appended to the tamper-evident trail, by action (counted in the writing transaction)',
    labelNames: ['action'] as const, registers: [this.registry],
  });
  readonly jobRuns = new Histogram({
    name: 'muster_job_run_duration_seconds', help: 'Background job runs on this node (one claim to its end), by kind and outcome (done, failed, retry, handed_back)',
    labelNames: ['kind', 'outcome'] as const, buckets: JOB_BUCKETS, registers: [this.registry],
  });
  readonly entraRuns = new Histogram({
    name: 'muster_entra_run_duration_seconds', help: 'Entra ID sync runs (each claim of a run: a long run resumed elsewhere counts on each node), by outcome',
    labelNames: ['outcome'] as const, buckets: JOB_BUCKETS, registers: [this.registry],
  });
  readonly emailDeliveries = new Counter({
    name: 'muster_email_deliveries_total', help: 'Email delivery attempts by outcome (sent, retry, failed, lease_lost)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly walletPushes = new Counter({
    name: 'muster_wallet_pushes_total', help: 'Wallet pass updates pushed (Apple Wallet via APNs, Google Wallet API), by wallet and outcome (done, failed, retry, handed_back)',
    labelNames: ['wallet', 'outcome'] as const, registers: [this.registry],
  });
  readonly requestLogSkipped = new Counter({
    name: 'muster_request_log_skipped_total', help: 'SCIM requests without a valid token not written to the request log, by reason (unauthenticated: past the allowance of their client address or of the node; unknown_list: their URL names no list)',
    labelNames: ['reason'] as const, registers: [this.registry],
  });
  readonly shutdownHandedBack = new Counter({
    name: 'muster_shutdown_handed_back_total', help: 'Claimed jobs, leased emails and leased webhook deliveries this node gave back to the queue when it stopped',
    labelNames: ['queue'] as const, registers: [this.registry],
  });

  /** `sources`: what the gauges read at scrape time (none: those gauges stay empty). */
  constructor(private readonly sources: MetricsSources = {}) {
    // Arrows: collect() is called with `this` bound to its gauge.
    const queueStats = () => this.queueStats();
    const pool = () => this.sources.pool?.();
    new Gauge({
      name: 'muster_job_queue_depth', help: 'Jobs (and, kind email, outbox messages) queued or running, installation-wide, by kind and state',
      labelNames: ['kind', 'state'] as const, registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (!stats) return;
        this.reset();
        for (const s of stats) this.set({ kind: s.kind, state: s.state }, s.count);
      },
    });
    new Gauge({
      name: 'muster_job_queue_oldest_age_seconds', help: 'Age of the oldest queued job (or outbox message) of each kind, installation-wide',
      labelNames: ['kind'] as const, registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (!stats) return;
        this.reset();
        const now = Date.now();
        for (const s of stats) if (s.state === 'queued' && s.oldest) this.set({ kind: s.kind }, Math.max(0, (now - Date.parse(s.oldest)) / 1000));
      },
    });
    new Gauge({
      name: 'muster_db_pool_connections', help: 'Database connections of this node: total open, idle, callers waiting for one, and the pool\'s maximum (SQLite: one connection)',
      labelNames: ['state'] as const, registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'waiting' }, p.waiting);
        this.set({ state: 'max' }, p.max);
      },
    });
    const scans = () => this.sources.scans?.();
    const scanCounter = (name: string, help: string, of: (s: ScanStats) => number) => new Counter({
      name, help, registers: [this.registry],
      collect() {
        const s = scans();
        if (!s) return;
        this.reset();
        this.inc(of(s));
      },
    });
    scanCounter('muster_scan_queries_total', 'Queries that read a whole list (a filter, order or search no index answers), run in their own lane: a process on SQLite, a connection of its own on PostgreSQL', (s) => s.done);
    scanCounter('muster_scan_queries_refused_total', 'Whole-list queries refused at once (429) because their list already had its most waiting or running', (s) => s.refused);
    scanCounter('muster_scan_queries_timed_out_total', 'Whole-list queries stopped at their deadline (MUSTER_SCAN_TIMEOUT_S)', (s) => s.timedOut);
    scanCounter('muster_scan_queries_dropped_total', 'Whole-list queries not run because their client had closed the connection before their turn', (s) => s.dropped);
    new Gauge({
      name: 'muster_scan_queries_pending', help: 'Whole-list queries waiting for their lane or running in it now',
      registers: [this.registry],
      collect() {
        const s = scans();
        if (s) this.set(s.pending);
      },
    });
    // process_* and nodejs_* (CPU, memory, handles, GC, and nodejs_eventloop_lag_* from perf_hooks' monitorEventLoopDelay).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  private queueRead: Promise<readonly QueueStats[] | undefined> | undefined;

  /** One database read per scrape for both queue gauges. */
  private queueStats(): Promise<readonly QueueStats[] | undefined> {
    if (!this.sources.queues) return Promise.resolve(undefined);
    // Both gauges collect side by side in one scrape (prom-client reads every metric at once): they share the read.
    this.queueRead ??= this.sources.queues().catch(() => undefined).finally(() => (this.queueRead = undefined));
    return this.queueRead;
  }

  /** A bounded IdP label: a name identifyIdp returns, `none`, or `other` past a dozen distinct ones. */
  idpLabel(idp: string | null | undefined): string {
    if (!idp) return 'none';
    if (this.idps.has(idp)) return idp;
    if (!IDP_LABEL.test(idp) || this.idps.size >= 12) return 'other';
    this.idps.add(idp);
    return idp;
  }

  /** One answered HTTP request. */
  request(method: string, route: string, status: number, idp: string | null | undefined, seconds: number): void {
    const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
    this.httpRequests.inc({ method: m, route, status: String(status), idp: this.idpLabel(idp) });
    this.httpDuration.observe({ method: m, route, status_class: `${Math.floor(status / 100)}xx` }, seconds);
  }

  scimOperation(resource: string, operation: string, status: number, aborted: boolean): void {
    const outcome = aborted ? 'aborted' : status === 429 ? 'throttled' : status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'success';
    this.scimOperations.inc({ resource, operation, outcome });
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
