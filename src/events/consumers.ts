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
 */
import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventType } from './types.js';
import type { Repos, Store } from '../store/index.js';

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
}

export class OutboxConsumers {
  private readonly worker = `node-${randomUUID().slice(0, 8)}`;
  private readonly lastPoll = new Map<string, number>();
  /** Per consumer, the chain of nudged events being handled in order. */
  private readonly local = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;

  constructor(private readonly store: Store, private readonly consumers: readonly EventConsumer[], private readonly log: ConsumerLog, opts: ConsumerOptions = {}) {
    this.pollMs = opts.pollMs ?? 5_000;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.batch = opts.batch ?? 200;
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
    await Promise.all([...this.local.values()]);
  }

  private nudge(events: readonly DomainEvent[]): void {
    for (const c of this.consumers) {
      const mine = events.filter((e) => c.types.includes(e.type));
      if (mine.length === 0) continue;
      const next = (this.local.get(c.name) ?? Promise.resolve()).then(async () => {
        // A failure is left to the safety net, which retries from the consumer's cursor.
        for (const e of mine) if (!(await this.handleOnce(c, e))) return;
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
    const claim = await this.store.events.claimConsumer(c.name, this.worker, at(), new Date(Date.now() + this.leaseMs).toISOString());
    if (!claim) return; // another node holds it
    let cursor = claim.lastId;
    for (;;) {
      if (stopped()) return;
      // Every id up to the head read first is committed (ids are handed out in commit order), so
      // a short page means the cursor may move to that head even past other consumers' types.
      const head = await this.store.events.headId();
      const page = await this.store.events.readAfter({ afterId: cursor, types: c.types, limit: this.batch });
      for (const e of page) {
        if (!(await this.handleOnce(c, e))) return;
        cursor = e.id;
      }
      if (page.length < this.batch) cursor = Math.max(cursor, head);
      if (!(await this.store.events.advanceConsumer(c.name, this.worker, cursor, at()))) return; // lost the lease
      if (page.length < this.batch) return;
    }
  }
}
