/**
 * Background jobs: a row per job in the database, claimed by whichever node gets there first
 * (no queue server needed), worked in batches that each commit on their own and record progress,
 * resumable from the last batch if the node dies (the lock expires and another node takes over),
 * and idempotent when a batch runs twice.
 *
 * `rederive` recomputes every person's roster fields after the mapping or the schema changed,
 * while provisioning carries on (SCIM writes derive with the new mapping already). Other kinds
 * register their handlers (Entra runs, Google Wallet updates); a handler that throws RetryLater
 * puts its job back in the queue with a time before which no node claims it, and so does the
 * runner when a handler's error means the database was unavailable (store/unavailable.ts).
 *
 * A node claims only the kinds it has handlers for: during a rolling upgrade, a job of a kind
 * that only the new version knows waits for a new node instead of failing on an old one.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { yieldToEventLoop } from '../runtime/turns.js';
import type { JobRow, Store } from '../store/index.js';
import { databaseUnavailable, socketFailed } from '../store/unavailable.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { derivedColumns, heldByImport, heldColumns, rosterChanges } from '../roster/derivation.js';
// The rederive job (a list's mapping changed) is the one domain job the runner registers itself.
import { REDERIVE_JOB, type RosterService } from '../lists/roster-service.js';

const LOCK_MS = 60_000;
const BATCH = 200;

/**
 * How long a job waits after its handler found the database unavailable (a PostgreSQL failover, a
 * full disk, another process holding SQLite's write lock past its timeout) before any node runs it
 * again from its last checkpoint. It waits as often as the outage lasts, and those runs are not
 * counted among its attempts (handlers give up after a number of them): giving up would lose the
 * work for a passing outage.
 */
export const UNAVAILABLE_RETRY_MS = 30_000;

export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly total: number;
  readonly done: number;
  readonly percent: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly result: unknown;
  readonly error: string | null;
  /** While a job is queued or running: the counters its last checkpoint saved (an Entra run's phase, pages, created, updated…). */
  readonly progress: Record<string, string | number | boolean> | null;
}

/** The scalar counters of a checkpointed state, without its resumption data (links, id lists). */
function progressOf(j: JobRow): JobView['progress'] {
  if (j.status !== 'running' && j.status !== 'queued') return null;
  let state: unknown;
  try {
    state = (JSON.parse(j.params) as { state?: unknown }).state;
  } catch {
    return null;
  }
  if (typeof state !== 'object' || state === null) return null;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(state)) {
    if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && k === 'phase')) out[k] = v;
  }
  return out;
}

export function jobView(j: JobRow): JobView {
  const total = Number(j.total), done = Number(j.done);
  return {
    id: j.id, kind: j.kind, status: j.status, total, done,
    percent: j.status === 'done' ? 100 : total > 0 ? Math.min(99, Math.floor((done / total) * 100)) : 0,
    createdAt: j.created_at, startedAt: j.started_at, finishedAt: j.finished_at,
    result: j.result ? JSON.parse(j.result) : null, error: j.error, progress: progressOf(j),
  };
}

/**
 * Thrown by a handler whose work cannot be done now (a remote service throttled, was down, or
 * refused for a reason an admin can fix): the job goes back to the queue, to run again after
 * `delayMs` on whichever node claims it first, so the work is never lost. With `params`, they
 * become the job's new state (APNs: the devices still to push); without, the state is kept.
 * The handler decides when to give up (it sees `job.attempts`).
 */
export class RetryLater extends Error {
  constructor(readonly delayMs: number, message: string, readonly params?: unknown) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface JobKindOptions {
  /**
   * Short jobs that must not wait behind long ones (a wallet pass update after a revocation,
   * behind print batches, a 100,000-person re-derivation or an Entra run): they have slots of
   * their own besides the runner's concurrency.
   */
  readonly quick?: boolean;
  /**
   * Work that may wait (rewriting stored rows in a smaller form): claimed only after every other
   * kind, one at a time on a node, so that a queue of them never holds the slots that a mapping
   * change's re-derivation, a print batch or an Entra run needs.
   */
  readonly low?: boolean;
}

/**
 * Runs one job of a kind. `save(params, done)` stores resumable state and progress (and renews
 * the lock); it answers false when the job is no longer this worker's (superseded, taken over).
 * The handler's return value is the job's result.
 */
export type JobHandler = (job: JobRow, save: (params: unknown, done: number) => Promise<boolean>) => Promise<unknown>;

/** How a run of a job on this node ended: for metrics (src/metrics/). */
export type JobOutcome = 'done' | 'failed' | 'retry' | 'handed_back';

export interface JobRunnerHooks {
  /** Called once per claimed job when its run on this node ends, with how long it ran. */
  readonly onRun?: (kind: string, outcome: JobOutcome, seconds: number) => void;
  /** Called when stop() gave claims back: how many jobs, and how many rows of each queue. */
  readonly onHandedBack?: (queue: string, count: number) => void;
}

/** Slots reserved for quick kinds, on top of `concurrency`. */
const QUICK_SLOTS = 2;

export class JobRunner {
  private readonly worker = `node-${randomUUID().slice(0, 8)}`;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly quickKinds = new Set<string>();
  private readonly lowKinds = new Set<string>();
  private lowActive = 0;
  private timer: NodeJS.Timeout | undefined;
  private filling: Promise<void> | undefined;
  private stopped = true;
  private readonly active = new Set<Promise<void>>();
  private quickActive = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly queues = new Map<string, (stopped: () => boolean) => Promise<unknown>>();
  private readonly releasers = new Map<string, () => Promise<number>>();
  private readonly draining = new Map<string, Promise<void>>();
  /** Jobs stop() gave back while their handler still ran: their late end is not theirs to record. */
  private readonly handedBack = new Set<string>();
  private readonly running = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly roster: RosterService,
    private readonly audit: AuditTrail,
    private readonly log: Logger,
    private readonly pollMs = 500,
    private readonly concurrency = 4,
    private readonly hooks: JobRunnerHooks = {},
  ) {
    this.handlers.set(REDERIVE_JOB, (job) => this.rederive(job));
  }

  register(kind: string, handler: JobHandler, opts: JobKindOptions = {}): void {
    this.handlers.set(kind, handler);
    if (opts.quick) this.quickKinds.add(kind);
    if (opts.low) this.lowKinds.add(kind);
  }

  /**
   * Work kept in a table of its own whose rows claim themselves (the email outbox: thousands of
   * small messages, each with its own attempts and backoff, rather than a job row each). The
   * runner drains it at each poll and whenever this node enqueues, one drain per queue per node
   * at a time, beside the job slots; the drain claims rows safely against other nodes.
   */
  registerQueue(name: string, drain: (stopped: () => boolean) => Promise<unknown>, release?: () => Promise<number>): void {
    this.queues.set(name, drain);
    // What stop() calls to give back the rows this node leased but has not settled.
    if (release) this.releasers.set(name, release);
  }

  private drainQueues(): void {
    for (const [name, drain] of this.queues) {
      if (this.stopped || this.draining.has(name)) continue;
      const p = drain(() => this.stopped)
        .then(() => undefined, (err: unknown) => this.log.error('queue drain failed', { queue: name, err: String(err) }))
        .finally(() => this.draining.delete(name));
      this.draining.set(name, p);
    }
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe ??= this.store.onJobEnqueued(() => this.schedule(0));
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.filling = (this.filling ?? Promise.resolve()).then(() => this.fill()).then(() => this.drainQueues()).catch((err: unknown) => this.log.error('job runner failed', { err: String(err) }))
        .then(() => {
          // A kick that came in meanwhile already set a sooner timer: keep it.
          if (!this.timer) this.schedule(this.pollMs);
        });
    }, ms);
  }

  /**
   * Claims jobs until `concurrency` run at once, and quick kinds into their own slots. Jobs run
   * side by side so that a long one (a print batch of thousands of cards, a first Entra sync)
   * never holds up a short urgent one (pushing a revoked wallet pass) on the same node.
   */
  private async fill(): Promise<void> {
    const low = [...this.lowKinds];
    const others = [...this.handlers.keys()].filter((k) => !this.lowKinds.has(k));
    while (!this.stopped && this.active.size - this.quickActive < this.concurrency) {
      const job = await this.claim(others);
      if (!job) break;
      this.start1(job, false);
    }
    if (!this.stopped && low.length && this.lowActive === 0 && this.active.size - this.quickActive < this.concurrency) {
      const job = await this.claim(low);
      if (job) this.start1(job, false, true);
    }
    while (!this.stopped && this.quickKinds.size && this.quickActive < QUICK_SLOTS) {
      const job = await this.claim([...this.quickKinds]);
      if (!job) break;
      this.start1(job, true);
    }
  }

  private start1(job: JobRow, quick: boolean, low = false): void {
    if (quick) this.quickActive++;
    if (low) this.lowActive++;
    const p: Promise<void> = this.work(job).catch((err: unknown) => this.log.error('job runner failed', { job: job.id, err: String(err) })).finally(() => {
      this.active.delete(p);
      if (quick) this.quickActive--;
      if (low) this.lowActive--;
      // A slot is free: look for the next job now rather than at the next poll.
      this.schedule(0);
    });
    this.active.add(p);
  }

  /**
   * Claims nothing more, and waits for the jobs and queue drains under way, for at most `graceMs`.
   * What is still claimed then is given back (the jobs queued again, resumable from their last
   * checkpoint; the leased emails due again) so that another node, or this one restarted, takes it
   * at once instead of after the lock runs out. A handler still running after that finds at its
   * next checkpoint that the job is no longer its own and stops (the takeover path).
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.filling;
    const all = Promise.allSettled([...this.active, ...this.draining.values()]);
    if (graceMs === Number.POSITIVE_INFINITY) {
      await all;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([all.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    if (finished) return;
    for (const id of this.running.keys()) this.handedBack.add(id);
    const ids = await this.store.roster.release(this.worker);
    for (const id of ids) {
      const kind = this.running.get(id);
      if (kind) this.hooks.onRun?.(kind, 'handed_back', 0);
    }
    this.log.info('stopping: handed back claimed jobs', { jobs: ids.length });
    if (ids.length) this.hooks.onHandedBack?.('jobs', ids.length);
    for (const [name, release] of this.releasers) {
      const n = await release();
      if (n) {
        this.log.info('stopping: handed back leased rows', { queue: name, count: n });
        this.hooks.onHandedBack?.(name, n);
      }
    }
  }

  /** Claims and works one job (of `kinds`, when given, else of any kind registered) to its end; false when there was none. */
  async runOnce(kinds?: readonly string[]): Promise<boolean> {
    const job = await this.claim((kinds ?? [...this.handlers.keys()]).filter((k) => this.handlers.has(k)));
    if (!job) return false;
    await this.work(job);
    return true;
  }

  /** The oldest runnable job of `kinds`. */
  private claim(kinds: readonly string[]): Promise<JobRow | undefined> {
    const now = new Date();
    return this.store.roster.claim(this.worker, now.toISOString(), new Date(now.getTime() + LOCK_MS).toISOString(), kinds);
  }

  private async work(job: JobRow): Promise<void> {
    const started = performance.now();
    let outcome: JobOutcome = 'done';
    this.running.set(job.id, job.kind);
    // While the handler works, its lock is renewed: a slow step (APNs timeouts one after another,
    // a long photo batch) must not let this or another node claim the job a second time.
    const heartbeat = setInterval(() => {
      void this.store.roster.renewLock(job.id, this.worker, new Date(Date.now() + LOCK_MS).toISOString())
        .catch((err: unknown) => this.log.warn('job lock renewal failed', { job: job.id, err: String(err) }));
    }, LOCK_MS / 3);
    heartbeat.unref();
    try {
      const handler = this.handlers.get(job.kind);
      if (!handler) throw new Error(`unknown job kind ${job.kind}`);
      const save = (params: unknown, done: number) =>
        this.store.roster.saveState(job.id, this.worker, { params, done, lockUntil: new Date(Date.now() + LOCK_MS).toISOString() });
      const result = await handler(job, save);
      if (job.kind !== REDERIVE_JOB && result !== undefined) await this.store.roster.finish(job.id, this.worker, 'done', new Date().toISOString(), result);
    } catch (err) {
      if (err instanceof RetryLater) {
        this.log.warn('job will be retried', { job: job.id, kind: job.kind, attempts: job.attempts, inMs: err.delayMs, reason: err.message });
        const notBefore = new Date(Date.now() + err.delayMs).toISOString();
        outcome = 'retry';
        if (err.params !== undefined) await this.store.roster.requeue(job.id, this.worker, { params: err.params, notBefore, error: err.message });
        else await this.store.roster.defer(job.id, this.worker, notBefore, err.message);
        return;
      }
      // A failed socket may be another server's (Graph, APNs): then the database still answers.
      if (databaseUnavailable(err) && (!socketFailed(err) || !(await this.databaseAnswers()))) {
        // Kept with its last checkpoint. If the database is still out of reach, this defer fails
        // too, and the job's lock runs out instead: then any node takes it over.
        this.log.warn('job will be retried: the database was unavailable', { job: job.id, kind: job.kind, inMs: UNAVAILABLE_RETRY_MS, err: String(err) });
        outcome = 'retry';
        await this.store.roster.defer(job.id, this.worker, new Date(Date.now() + UNAVAILABLE_RETRY_MS).toISOString(), `the database was unavailable (${String(err)}); retried after ${UNAVAILABLE_RETRY_MS / 1000} s`, true);
        return;
      }
      outcome = 'failed';
      this.log.error('job failed', { job: job.id, err: err instanceof Error ? err.stack : String(err) });
      await this.store.roster.finish(job.id, this.worker, 'failed', new Date().toISOString(), undefined, String(err));
    } finally {
      clearInterval(heartbeat);
      this.running.delete(job.id);
      if (!this.handedBack.delete(job.id)) this.hooks.onRun?.(job.kind, outcome, (performance.now() - started) / 1000);
    }
  }

  private databaseAnswers(): Promise<boolean> {
    return this.store.ping().then(() => true, () => false);
  }

  private async rederive(job: JobRow): Promise<void> {
    const listId = job.list_id;
    const list = await this.store.lists.get(listId);
    // A list synced from an IdP, by SCIM or from Entra ID, derives its people's fields from their
    // documents; a list without sync holds what its CSV files gave it.
    if (list?.syncMethod !== 'scim' && list?.syncMethod !== 'entra') {
      await this.store.roster.finish(job.id, this.worker, 'done', new Date().toISOString(), { changed: 0, processed: 0, skipped: 'the list has no sync; its fields are imported' });
      return;
    }
    let cursor = Number(job.cursor), done = Number(job.done);
    const prev = job.result ? (JSON.parse(job.result) as { changed: number; converted?: number }) : { changed: 0 };
    let changed = prev.changed, converted = prev.converted ?? 0;
    for (;;) {
      const current = await this.store.roster.job(job.id);
      if (current?.status !== 'running' || current.locked_by !== this.worker) return; // superseded or taken over
      // The batch is read and written in one transaction that first takes the list's lock (the
      // same order as SCIM writes), with the mapping current at that moment, and each person is
      // written only if still at the version read: never stale values over a newer write.
      const batch = await this.store.transaction(async (tx) => {
        await tx.audit.chain(listId, true);
        const schema = await this.roster.schema(listId, await tx.roster.mappingVersion(listId), tx);
        const rows = await tx.roster.usersAfter(listId, cursor, BATCH);
        for (const u of rows) {
          // Imported before the list's sync was turned on: the file's values are theirs to keep,
          // fitted to the new schema (a removed field goes, an empty required one is a problem).
          const d = heldByImport(u.data) ? heldColumns(schema, u.data, u.data, u.fields) : derivedColumns(schema, u.data);
          const changes = rosterChanges(u.fields, d.derived.values);
          const problemsChanged = JSON.stringify(u.problems) !== d.problems;
          // A row still in the form written before migration 043 is written in the new one even
          // when nothing changed (no audit event: its values are the same): a remap converts a list.
          const same = !changes.length && !problemsChanged;
          if (same && !u.legacy) continue;
          if (!(await tx.roster.setDerived(u.id, d, u.version))) continue; // a concurrent write derived it already
          if (same) converted++;
          else changed++;
          if (changes.length) {
            await this.audit.record(tx, listId, {
              action: 'person.updated', target: { type: 'person', id: u.id, name: u.userName }, changes,
              detail: { reason: 'mapping changed', job: job.id },
            }, { actor: 'system' });
          }
        }
        return rows;
      });
      if (batch.length === 0) break;
      cursor = batch[batch.length - 1]!.seq;
      done += batch.length;
      await yieldToEventLoop();
      const lockUntil = new Date(Date.now() + LOCK_MS).toISOString();
      if (!(await this.store.roster.progress(job.id, this.worker, { done, cursor, lockUntil }))) return;
    }
    // converted: rows rewritten in the form of migration 043 with their values unchanged.
    await this.store.roster.finish(job.id, this.worker, 'done', new Date().toISOString(), { changed, converted, processed: done });
  }
}
