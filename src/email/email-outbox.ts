/**
 * The outbox: messages are rows (store/email-repo.ts), sent by whichever node's job runner leases
 * them first. A message is leased in one UPDATE … RETURNING that re-checks its state, sent, and
 * settled only by the node holding the lease, so two nodes never send it both. A node that dies
 * mid-send leaves the lease to run out; the message is then sent again, with the same Message-ID
 * so that receiving systems can tell (SMTP cannot say whether a cut connection delivered).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { backgroundTurn } from '../runtime/turns.js';
import type { EmailMessageRow, Store } from '../store/index.js';
import type { EmailTransport } from './smtp-transport.js';

export interface RetryPolicy {
  /** The wait after the first temporary failure; each further one doubles it… */
  readonly baseMs: number;
  /** …up to this. */
  readonly maxMs: number;
  /** Attempts in all before a message that keeps failing temporarily is given up as failed. */
  readonly maxAttempts: number;
}

/** About 1, 2, 4 … 60 minutes: ten attempts span some six hours, enough for a relay's maintenance window. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 60_000, maxMs: 3_600_000, maxAttempts: 10 };

/**
 * Exponential backoff with ±20% jitter, so that messages that failed together during an outage
 * do not all come back in the same second.
 */
export function retryDelay(attempts: number, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** See OutboxOptions.rest: measured with bench/campaign.mjs. */
const DEFAULT_REST = 1;
const MAX_REST_MS = 1000;

export interface OutboxOptions {
  readonly fromAddress: string;
  /** The sender name when neither the organisation nor the message has one. */
  readonly fromName: string | undefined;
  readonly retry?: RetryPolicy;
  /** Messages leased at once; sent side by side over the transport's few connections. */
  readonly batch?: number;
  /** Longer than any one attempt can take (the transport's timeouts). */
  readonly leaseMs?: number;
  readonly now?: () => Date;
  /**
   * After each batch, while more are due, the drain rests this many times as long as the batch
   * took: a campaign's thousands of messages then use a bounded share of the node, and SCIM
   * requests that arrive meanwhile are served at their usual latency (bench/RESULTS.md, "A photo
   * campaign"). 0 sends back to back.
   */
  readonly rest?: number;
  /**
   * Messages handed to the relay per second at most (0 or undefined: no limit), in batches of up
   * to `batch` at a time (MUSTER_SMTP_MAX_PER_SECOND).
   */
  readonly maxPerSecond?: number;
  /** Called with each attempt's outcome (metrics). */
  readonly onOutcome?: (outcome: 'sent' | 'retry' | 'failed' | 'lease_lost') => void;
}

interface Settlement {
  readonly m: EmailMessageRow;
  readonly result: 'sent' | 'retry' | 'failed';
  readonly update: { state: 'sent' | 'failed' | 'queued'; now: string; reply: string; nextAttemptAt?: string };
}

export class EmailOutbox {
  private readonly worker = `mail-${randomUUID().slice(0, 8)}`;
  private readonly retry: RetryPolicy;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly now: () => Date;
  private readonly rest: number;
  /** The rate limit's clock: the earliest time (performance.now()) the next message may be sent. */
  private nextSlot = 0;

  constructor(private readonly store: Store, private readonly transport: EmailTransport, private readonly log: Logger, private readonly opts: OutboxOptions) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.batch = opts.batch ?? 10;
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.now = opts.now ?? (() => new Date());
    this.rest = opts.rest ?? DEFAULT_REST;
  }

  /** Sends every due message, batch by batch, until none is due or `stopped()`; answers how many were attempted. */
  async drain(stopped: () => boolean = () => false): Promise<number> {
    let attempted = 0;
    while (!stopped()) {
      const started = performance.now();
      const now = this.now();
      // A read first: most polls find nothing, and need not take SQLite's write lock to learn it.
      if (!(await this.store.email.anyDue(now.toISOString()))) break;
      if (!(await this.waitForSlot(stopped))) break;
      const leased = await this.store.email.claim(this.worker, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), this.batch);
      if (!leased.length) break;
      this.spendSlots(leased.length);
      await Promise.all(leased.map(async (m) => this.settle(await this.send(m))));
      attempted += leased.length;
      await backgroundTurn();
      if (this.rest > 0) await new Promise((r) => setTimeout(r, Math.min(MAX_REST_MS, (performance.now() - started) * this.rest)));
    }
    return attempted;
  }

  /**
   * Waits, a second at a time so that a stop is noticed, until the rate limit lets the next
   * batch go; answers false when stopped meanwhile.
   */
  private async waitForSlot(stopped: () => boolean): Promise<boolean> {
    for (;;) {
      if (stopped()) return false;
      const wait = this.nextSlot - performance.now();
      if (wait <= 0) return true;
      await new Promise((r) => setTimeout(r, Math.min(1000, wait)));
    }
  }

  /** Books `n` messages' worth of the rate limit: the next batch goes no sooner than n / rate seconds after this one. */
  private spendSlots(n: number): void {
    const rate = this.opts.maxPerSecond ?? 0;
    if (rate <= 0) return;
    // A node that was idle starts from now: unused time is not saved up for a burst.
    this.nextSlot = Math.max(this.nextSlot, performance.now()) + (n * 1000) / rate;
  }

  /** Gives back the messages this node leased and has not settled (shutdown); answers how many. */
  release(): Promise<number> {
    return this.store.email.release(this.worker, this.now().toISOString());
  }

  /** One attempt: sends the message and decides what becomes of it; `settle` records it. */
  private async send(m: EmailMessageRow): Promise<Settlement> {
    const outcome = await this.transport.send({
      from: { name: m.from_name ?? this.opts.fromName, address: this.opts.fromAddress }, replyTo: m.reply_to ?? undefined,
      to: m.to_address, subject: m.subject, text: m.text_body, html: m.html_body ?? undefined, messageId: m.message_id,
    });
    const now = this.now();
    const at = now.toISOString();
    if (outcome.ok) return { m, result: 'sent', update: { state: 'sent', now: at, reply: outcome.reply } };
    if (outcome.permanent || m.attempts >= this.retry.maxAttempts) {
      this.log.warn('email failed', { message: m.id, kind: m.kind, attempts: m.attempts, reply: outcome.reply });
      return { m, result: 'failed', update: { state: 'failed', now: at, reply: outcome.reply } };
    }
    const next = new Date(now.getTime() + retryDelay(m.attempts, this.retry)).toISOString();
    this.log.info('email will be retried', { message: m.id, attempts: m.attempts, next, reply: outcome.reply });
    return { m, result: 'retry', update: { state: 'queued', now: at, reply: outcome.reply, nextAttemptAt: next } };
  }

  /**
   * Records one attempt's outcome, if the message is still this worker's lease, in a statement of
   * its own. Not a transaction per batch: on PostgreSQL the statement's triggers lock the person's
   * campaign row and then the campaign's counters; a transaction settling several messages would
   * hold the counters while taking the next person's row, the reverse of an upload's order, and
   * the two could deadlock (bench/RESULTS.md, "A photo campaign").
   */
  private async settle(s: Settlement): Promise<void> {
    const settled = await this.store.email.settle(s.m.id, this.worker, s.update);
    // Only after a lease ran out under a send slower than every timeout: another node has it now.
    if (!settled) this.log.warn('email lease lost before the outcome was recorded', { message: s.m.id });
    this.opts.onOutcome?.(settled ? s.result : 'lease_lost');
  }
}
