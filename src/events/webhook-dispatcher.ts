/**
 * Webhook delivery (docs/webhooks.md), run by the job runner on every node as a queue, nudged
 * in-process the moment a transaction commits events, polled as the safety net:
 *
 * 1. Fan-out: outbox events after the fan-out cursor become one delivery row per subscribed
 *    endpoint, in one transaction with the cursor's advance (store/webhooks-repo.ts): each event
 *    reaches each endpoint's queue exactly once, whichever nodes fan out at once.
 * 2. Delivery: due deliveries are leased to one node a batch at a time (a lease a killed node
 *    leaves to expire), sent signed side by side, and the batch settled in one transaction with a
 *    row per attempt (store/webhooks-repo.ts settleBatch). A delivery whose outcome was not recorded
 *    (the node died mid-send) is sent again with the same `Muster-Delivery-Id`: receivers dedupe
 *    on it, so each event takes effect once.
 * Ordering: per endpoint and person (the event's subject), a delivery is sent only once every
 * earlier one is delivered or has failed for good; a failing delivery for one person holds back
 * only that person's later ones.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { backgroundTurn, backgroundTurns } from '../runtime/turns.js';
import { HELD_UNTIL, type Store, type WebhookDeliveryRow, type WebhookEndpointRow, type NewWebhookDelivery, type SettleItem } from '../store/index.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { DomainEvent } from './types.js';
import { signatureHeader, SIGNATURE_HEADER } from './webhook-signature.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';

export const WEBHOOK_TEST_EVENT = 'webhook.test';

export interface WebhookRetryPolicy {
  /** The wait after the first failure; doubling after each further one… */
  readonly baseMs: number;
  /** …up to this. */
  readonly maxMs: number;
  /** Retries go on until an attempt fails this long after the first one (then the delivery has failed). */
  readonly windowMs: number;
}

/** 30 s, 1, 2, 4 … 64 min, then hourly: some 30 attempts over 24 hours. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { baseMs: 30_000, maxMs: 3_600_000, windowMs: 24 * 3_600_000 };

/** Retry-After is honoured up to this (a receiver cannot park deliveries for days). */
const MAX_RETRY_AFTER_MS = 6 * 3_600_000;

/**
 * Exponential backoff with ±20% jitter (deliveries that failed together during an outage come
 * back spread out, not in one burst).
 */
export function webhookRetryDelay(attempts: number, policy: WebhookRetryPolicy = DEFAULT_WEBHOOK_RETRY, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; undefined when unreadable. */
export function retryAfterMs(value: string | null, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(MAX_RETRY_AFTER_MS, Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, t - now.getTime()));
}

export type AttemptVerdict = 'delivered' | 'retry' | 'fail';

/**
 * What an answer means: 2xx delivered; 408, 429, 5xx, timeouts and connection errors are tried
 * again; a redirect (never followed), any other 4xx, or a refused address fail at once, since
 * sending the same request again cannot change the answer.
 */
export function verdictOf(r: SendResult): AttemptVerdict {
  if (r.status === null) return r.permanent ? 'fail' : 'retry';
  if (r.status >= 200 && r.status < 300) return 'delivered';
  if (r.status === 408 || r.status === 429 || r.status >= 500) return 'retry';
  return 'fail';
}

export interface WebhookDispatcherOptions {
  readonly now?: () => Date;
  readonly random?: () => number;
  /** How long a node holds a delivery it is sending: longer than any attempt can take. */
  readonly leaseMs?: number;
  readonly timeoutMs?: number;
  /** Deliveries sent side by side per node. */
  readonly batch?: number;
  readonly retry?: WebhookRetryPolicy;
  /** Pause an endpoint whose every attempt failed for this long (and at least `pauseMinFailures` times); 0: never. */
  readonly pauseAfterMs?: number;
  readonly pauseMinFailures?: number;
}

const FANOUT_BATCH = 500;
/** Delivered and failed deliveries (and their attempts) are kept this long, then removed. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
/** How long after a commit the dispatcher drains: nudges within it share one drain. */
const NUDGE_COALESCE_MS = 25;

/** The JSON body of an event's delivery: the event as GET /api/v1/events shows it. */
export function eventBody(e: DomainEvent): string {
  return JSON.stringify({ id: e.id, type: e.type, orgId: e.orgId, seq: e.seq, listId: e.listId, subject: e.subject, occurredAt: e.occurredAt, payload: e.payload });
}

const wants = (e: WebhookEndpointRow, type: string): boolean => {
  if (e.event_types === null) return true;
  return (JSON.parse(e.event_types) as string[]).includes(type);
};

export class WebhookDispatcher {
  private readonly worker = `webhooks-${randomUUID().slice(0, 8)}`;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly batch: number;
  private readonly retry: WebhookRetryPolicy;
  private readonly pause: { afterMs: number; minFailures: number } | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private prunedAt = 0;
  private nudgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly sender: WebhookSender,
    private readonly secretBox: () => SecretBox,
    private readonly log: Logger,
    opts: WebhookDispatcherOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.leaseMs = opts.leaseMs ?? Math.max(60_000, this.timeoutMs * 3);
    this.batch = opts.batch ?? 32;
    this.retry = opts.retry ?? DEFAULT_WEBHOOK_RETRY;
    const pauseAfterMs = opts.pauseAfterMs ?? 3_600_000;
    this.pause = pauseAfterMs > 0 ? { afterMs: pauseAfterMs, minFailures: opts.pauseMinFailures ?? 3 } : undefined;
  }

  /** Delivers as soon as this node commits events (other nodes find them at their next poll). */
  start(): void {
    this.stopped = false;
    this.unsubscribe ??= this.store.onEventsCommitted(() => this.nudge());
  }

  /**
   * Drains shortly after a commit. Nudges within NUDGE_COALESCE_MS share one drain: a drain is a
   * fan-out transaction and a few reads, and run once per committed SCIM write it cost about as
   * much as the write itself under load (bench/RESULTS.md, issue 16); a few milliseconds more
   * before a webhook is sent is nothing to its receiver.
   */
  nudge(): void {
    if (this.stopped || this.nudgeTimer) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      if (this.stopped) return;
      void this.drain().catch((err: unknown) => this.log.error('webhook delivery failed', { err: String(err) }));
    }, NUDGE_COALESCE_MS);
  }

  /**
   * Stops draining and waits for the drain under way. With `graceMs` (a node shutting down), a
   * drain still sending after that long gives back what it leased (`release`) and its sends are
   * cut (the sender's connections closed): their outcomes, if any, are not recorded, as with any
   * lost lease. Drains started by a commit's nudge run outside the job runner, so the runner's own
   * grace cannot see them. Answers how many deliveries were given back.
   */
  async stop(graceMs?: number): Promise<number> {
    this.stopped = true;
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const running = this.running;
    if (!running) return 0;
    if (graceMs === undefined || !Number.isFinite(graceMs)) {
      await running.catch(() => undefined);
      return 0;
    }
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([running.then(() => true, () => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    if (finished) return 0;
    const given = await this.release();
    this.sender.close();
    await running.catch(() => undefined);
    return given;
  }

  /**
   * Fans out new events and sends every due delivery, until none is due or `stopped()`. One drain
   * per node at a time: a call while one runs makes it go round once more. Answers attempts made.
   */
  drain(stopped: () => boolean = () => false): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      let attempted = 0;
      // One drain's steps (fan-out transactions, batches of deliveries) share one budget of turns.
      const turn = backgroundTurns();
      do {
        this.again = false;
        await this.prune();
        await this.fanOut(turn);
        attempted += await this.deliver(() => stopped() || this.stopped, turn);
      } while (this.again && !stopped() && !this.stopped);
      return attempted;
    };
    this.running = run().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Gives back the deliveries this node leased and has not settled (shutdown, after the grace
   * period): another node, or this one restarted, sends them at once instead of after the lease.
   * A send still under way when they are given back is not recorded, as with any lost lease, and
   * the delivery goes again with the same Muster-Delivery-Id. Answers how many.
   */
  private release(): Promise<number> {
    return this.store.webhooks.release(this.worker);
  }

  /** At most hourly per node: removes settled deliveries past the retention, a batch at a time. */
  private async prune(): Promise<void> {
    const now = this.now().getTime();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    const cutoff = new Date(now - DELIVERY_RETENTION_MS).toISOString();
    while ((await this.store.webhooks.pruneSettled(cutoff, 1000)) === 1000 && !this.stopped) { /* next batch */ }
  }

  /** Turns outbox events after the cursor into deliveries; answers how many events were read. */
  async fanOut(turn: () => Promise<void> = backgroundTurn): Promise<number> {
    let read = 0;
    for (;;) {
      // Reads first: most polls find nothing new, and need not take the cursor's lock to learn it.
      const head = await this.store.events.headId();
      if ((await this.store.webhooks.cursor()) >= head) return read;
      // The fan-out transaction gives way to requests in flight too, like each batch of deliveries below.
      await turn();
      let n = 0;
      const at = this.now().toISOString();
      await this.store.webhooks.fanOut(async (lastId, endpoints, outbox, insert) => {
        if (endpoints.length === 0) return head; // nobody listens: nothing to queue
        const events = await outbox.headsAfter(lastId, FANOUT_BATCH);
        n = events.length;
        const rows: NewWebhookDelivery[] = [];
        for (const e of events) {
          for (const ep of endpoints) {
            if (ep.org_id !== e.orgId || e.id <= Number(ep.start_id) || !wants(ep, e.type)) continue;
            rows.push({ id: `whd_${randomUUID()}`, endpointId: ep.id, orgId: e.orgId, eventId: e.id, eventType: e.type, orderKey: e.subject ?? '', body: null, now: at, ...(ep.paused_at !== null ? { notBefore: HELD_UNTIL } : {}) });
          }
        }
        await insert(rows);
        // Every id up to `head` had committed when it was read (ids are handed out in commit
        // order): a short batch has seen them all, and ids retention removed are skipped too.
        return events.length < FANOUT_BATCH ? Math.max(head, events.at(-1)?.id ?? 0) : events.at(-1)!.id;
      });
      read += n;
      if (n < FANOUT_BATCH) return read;
    }
  }

  private async deliver(stopped: () => boolean, turn: () => Promise<void>): Promise<number> {
    let attempted = 0;
    while (!stopped()) {
      // Deliveries give way to requests being served (the IdP's writes first): with requests in
      // flight a batch waits until they are answered, or until the drain has taken about a tenth
      // of the time (runtime/turns.ts, backgroundTurns), so webhooks still go out while
      // provisioning runs at full speed and catch up as soon as it eases (bench/RESULTS.md, "Webhooks").
      await turn();
      if (stopped()) break;
      const now = this.now();
      const at = now.toISOString();
      // The lease's own due query answers "nothing due" (an empty lease) without a separate read.
      const leased = await this.store.webhooks.claim(this.worker, at, new Date(now.getTime() + this.leaseMs).toISOString(), this.batch);
      if (!leased.length) break;
      // Read once per batch: the endpoints, their live secrets, and the events (several endpoints share each).
      const endpoints = new Map((await this.store.webhooks.endpointsById([...new Set(leased.map((d) => d.endpoint_id))])).map((e) => [e.id, e]));
      const secrets = new Map<string, string[]>();
      for (const [id, rows] of await this.store.webhooks.liveSecretsOf([...endpoints.keys()], at)) secrets.set(id, rows.map((x) => this.secretBox().open(x.secret_enc)));
      const eventIds = [...new Set(leased.filter((d) => d.body === null).map((d) => Number(d.event_id)))];
      const bodies = new Map((await this.store.events.byIds(eventIds)).map((e) => [e.id, eventBody(e)]));
      // Sent side by side; the outcomes are kept in the order the attempts ended (the endpoint's
      // health follows that order) and settled together, in one transaction for the batch.
      const ended: Array<{ d: WebhookDeliveryRow; started: Date; result: SendResult }> = [];
      await Promise.all(leased.map(async (d) => {
        const started = this.now();
        const result = await this.send(d, endpoints.get(d.endpoint_id), secrets.get(d.endpoint_id) ?? [], d.body ?? bodies.get(Number(d.event_id)), started);
        ended.push({ d, started, result });
      }));
      await this.settle(ended);
      attempted += leased.length;
    }
    return attempted;
  }

  private send(d: WebhookDeliveryRow, ep: WebhookEndpointRow | undefined, secrets: readonly string[], body: string | undefined, started: Date): Promise<SendResult> {
    if (!ep || body === undefined) {
      return Promise.resolve({ status: null, durationMs: 0, responseExcerpt: null, error: ep ? 'the event is no longer retained (MUSTER_EVENTS_RETENTION_DAYS)' : 'the endpoint was removed', retryAfter: null, permanent: true });
    }
    const timestamp = Math.floor(started.getTime() / 1000);
    return this.sender.send({
      url: ep.url, body, timeoutMs: this.timeoutMs,
      headers: {
        'content-type': 'application/json', 'user-agent': 'Muster-Webhooks/1',
        'muster-delivery-id': d.id, 'muster-event-type': d.event_type,
        ...(d.event_id !== null ? { 'muster-event-id': String(d.event_id) } : {}),
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(secrets, timestamp, body),
      },
    });
  }

  /** What each attempt means (delivered, retry when, failed), recorded for the whole batch at once. */
  private async settle(ended: ReadonlyArray<{ d: WebhookDeliveryRow; started: Date; result: SendResult }>): Promise<void> {
    const now = this.now();
    const items: SettleItem[] = ended.map(({ d, started, result }) => {
      const verdict = verdictOf(result);
      let state: 'pending' | 'delivered' | 'failed' = verdict === 'delivered' ? 'delivered' : 'failed';
      let nextAttemptAt: string | undefined;
      let error = result.error ?? (verdict === 'fail' && result.status !== null ? `HTTP ${result.status}: not retried (only 408, 429 and 5xx are)` : null);
      if (verdict === 'retry') {
        const first = Date.parse(d.first_attempt_at ?? started.toISOString());
        if (now.getTime() - first >= this.retry.windowMs) {
          error = `${error ?? `HTTP ${result.status}`}; gave up after ${Math.round(this.retry.windowMs / 3_600_000)} hours of retries`;
        } else {
          state = 'pending';
          const wait = (result.status === 429 || result.status === 503 ? retryAfterMs(result.retryAfter, now) : undefined) ?? webhookRetryDelay(d.attempts, this.retry, this.random);
          nextAttemptAt = new Date(now.getTime() + wait).toISOString();
        }
      }
      return {
        delivery: d,
        outcome: {
          attemptId: `wha_${randomUUID()}`, startedAt: started.toISOString(), durationMs: result.durationMs, status: result.status, error,
          responseExcerpt: result.responseExcerpt, state, ...(nextAttemptAt ? { nextAttemptAt } : {}), now: now.toISOString(),
        },
      };
    });
    const r = await this.store.webhooks.settleBatch(this.worker, items, this.pause);
    for (const { delivery: d, outcome: o } of items) {
      if (!r.recorded.has(d.id)) this.log.warn('webhook lease lost before the outcome was recorded', { delivery: d.id });
      if (o.state !== 'delivered') this.log.info('webhook delivery attempt failed', { delivery: d.id, endpoint: d.endpoint_id, status: o.status, error: o.error, next: o.nextAttemptAt ?? null });
    }
    for (const id of r.paused) this.log.warn('webhook endpoint paused after failing', { endpoint: id, org: items.find((it) => it.delivery.endpoint_id === id)?.delivery.org_id });
  }
}
