/**
 * In-process consumers of the outbox (issue 15, item 2): what follows a change (a wallet pass
 * showing new roster values; campaign invitations for new people) reads the change's event
 * instead of being called back from inside the change.
 *
 * Two paths reach each event, and the first one wins:
 *  - the nudge: once a transaction of this node commits, Store.onEventsCommitted hands its events
 *    here and they are handled at once (today's speed: a wallet push starts the moment the row
 *    commits);
 *  - the safety net: the job runner drains this queue at each poll on every node; one node at a
 *    time holds a consumer's cursor (a lease in outbox_consumers) and handles what is after it, so
 *    an event whose node died between commit and handling, or whose handler failed, is handled
 *    by some node within a poll or a lease.
 * Each event is handled in one transaction with the insert of (consumer, event id) into
 * outbox_processed, so reaching it twice has its effect once (idempotent by event id).
 *
 * The safety net does not go over again what this node's nudge settled: a run of settled ids just
 * after the cursor moves it without a read, and a settled event in a page it reads is passed over.
 * Ids are handed out densely in commit order on both engines (writeOutbox), so such runs are long;
 * a gap (retention) only ends a run. Events other nodes committed are read and looked at as before.
 * Before, every write's events were looked at twice (their `relevant` read, and the page they came
 * in), and a pass over a few seconds of writes held the event loop for 40–160 ms at 1,000 writes a
 * second (bench/RESULTS.md, "The long turns of a busy node").
 */
import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventType } from './types.js';
import type { Repos, Store } from '../store/index.js';
import { backgroundTurn, yieldToEventLoop } from '../runtime/turns.js';

export interface EventConsumer {
  /** Stable: it names the cursor and the handled-event records. */
  readonly name: string;
  readonly types: readonly EventType[];
  /** Runs in a transaction of its own; whatever it writes commits with the record that it ran. */
  handle(tx: Repos, event: DomainEvent): Promise<void>;
  /**
   * A cheap read outside any transaction: false when the event can have no effect (a person with
   * no wallet pass), so most events cost no transaction and leave no handled-event row.
   */
  relevant?(event: DomainEvent): Promise<boolean>;
}

export interface ConsumerLog {
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ConsumerOptions {
  /** How often the safety net reads the outbox when not nudged (ms). */
  readonly pollMs?: number;
  /** How long a node holds a consumer's cursor before another may take it (ms). */
  readonly leaseMs?: number;
  readonly batch?: number;
  /** How many settled ids a consumer remembers at most (a node whose safety net another node runs never forgets them otherwise). */
  readonly settledKept?: number;
}

/** Events handled between two turns of the event loop in a safety-net pass. */
const EVENTS_PER_TURN = 25;

export class OutboxConsumers {
  private readonly worker = `node-${randomUUID().slice(0, 8)}`;
  private readonly lastPoll = new Map<string, number>();
  /** Per consumer, the chain of nudged events being handled in order. */
  private readonly local = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly settledKept: number;
  /**
   * Per consumer, the ids of events this node's nudge settled (handled, found irrelevant, or not
   * of the consumer's types), until this node's safety net moves the cursor past them. Past
   * `settledKept` the first settled are forgotten (their events are then looked at again): a node
   * whose consumers' cursors another node holds keeps that many.
   */
  private readonly settled = new Map<string, Set<number>>();

  constructor(private readonly store: Store, private readonly consumers: readonly EventConsumer[], private readonly log: ConsumerLog, opts: ConsumerOptions = {}) {
    this.pollMs = opts.pollMs ?? 5_000;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.batch = opts.batch ?? 200;
    this.settledKept = opts.settledKept ?? 50_000;
  }

  private settle(consumer: string, id: number): void {
    let s = this.settled.get(consumer);
    if (!s) this.settled.set(consumer, (s = new Set()));
    s.add(id);
    if (s.size > this.settledKept) s.delete(s.values().next().value!);
  }

  /** Starts handling this node's committed events at once (the nudge). */
  start(): void {
    if (this.consumers.length === 0) return;
    this.unsubscribe ??= this.store.onEventsCommitted((events) => this.nudge(events));
  }

  /** Stops the nudge and waits for the events it started. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.nudgesDone();
  }

  /** Resolves once the nudged events being handled now have been handled (or have failed). */
  async nudgesDone(): Promise<void> {
    await Promise.all([...this.local.values()]);
  }

  private nudge(events: readonly DomainEvent[]): void {
    for (const c of this.consumers) {
      const mine: DomainEvent[] = [];
      for (const e of events) {
        if (c.types.includes(e.type)) mine.push(e);
        else this.settle(c.name, e.id);
      }
      if (mine.length === 0) continue;
      const next = (this.local.get(c.name) ?? Promise.resolve()).then(async () => {
        // A failure is left to the safety net, which retries from the consumer's cursor.
        for (const e of mine) {
          if (!(await this.handleOnce(c, e))) return;
          this.settle(c.name, e.id);
        }
      });
      this.local.set(c.name, next);
      void next.finally(() => {
        if (this.local.get(c.name) === next) this.local.delete(c.name);
      });
    }
  }

  /** Handles one event unless it was already; false when the handler failed (logged). */
  private async handleOnce(c: EventConsumer, e: DomainEvent): Promise<boolean> {
    try {
      if (c.relevant && !(await c.relevant(e))) return true;
      await this.store.transaction(async (tx) => {
        if (!(await tx.events.markProcessed(c.name, e.id, new Date().toISOString()))) return;
        await c.handle(tx, e);
      });
      return true;
    } catch (err) {
      this.log.error('outbox consumer failed', { consumer: c.name, event: e.id, type: e.type, err: String(err) });
      return false;
    }
  }

  /**
   * The safety net, drained by the job runner: for each consumer due a poll, claim its cursor and
   * handle the events after it, in id (commit) order, stopping at a failure so that order holds.
   */
  async drain(stopped: () => boolean): Promise<void> {
    const now = Date.now();
    for (const c of this.consumers) {
      if (stopped()) return;
      if (now - (this.lastPoll.get(c.name) ?? 0) < this.pollMs) continue;
      this.lastPoll.set(c.name, now);
      await this.catchUp(c, stopped);
    }
  }

  /** Handles everything after the consumer's cursor now (the safety net's pass; tests call it). */
  async catchUp(c: EventConsumer, stopped: () => boolean = () => false): Promise<void> {
    const at = () => new Date().toISOString();
    const until = () => new Date(Date.now() + this.leaseMs).toISOString();
    const claim = await this.store.events.claimConsumer(c.name, this.worker, at(), until());
    if (!claim) return; // another node holds it
    let cursor = claim.lastId;
    const settled = this.settled.get(c.name);
    let handled = 0;
    for (;;) {
      if (stopped()) return;
      // The nudge's run of settled events just after the cursor needs no read (ids are dense).
      if (settled) while (settled.delete(cursor + 1)) cursor++;
      // Every id up to the head read first is committed (ids are handed out in commit order), so
      // a short page means the cursor may move to that head even past other consumers' types.
      const head = await this.store.events.headId();
      const page = cursor < head ? await this.store.events.readAfter({ afterId: cursor, types: c.types, limit: this.batch }) : [];
      for (const e of page) {
        if (!settled?.delete(e.id)) {
          // A pass over many events gives the event loop turns, so requests are not held behind
          // it, without waiting for them to be answered (backgroundTurn, between pages): on a busy
          // node that wait would cap the pass at a few hundred events a second.
          if (++handled % EVENTS_PER_TURN === 0) await yieldToEventLoop();
          if (!(await this.handleOnce(c, e))) {
            // Kept just before the failure, so that the next pass starts there and order holds.
            await this.store.events.advanceConsumer(c.name, this.worker, cursor, at(), until());
            return;
          }
        }
        cursor = e.id;
      }
      if (page.length < this.batch) cursor = Math.max(cursor, head);
      // Each page renews the lease: a pass longer than it must not let another node start beside it.
      if (!(await this.store.events.advanceConsumer(c.name, this.worker, cursor, at(), until()))) return; // lost the lease
      // Settled ids the cursor has passed (events of other types than the page's) are forgotten.
      if (settled) for (const id of settled) if (id <= cursor) settled.delete(id);
      if (page.length < this.batch) return;
      await backgroundTurn();
    }
  }
}
