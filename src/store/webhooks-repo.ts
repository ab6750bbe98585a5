import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { Database, WebhookAttemptTable, WebhookDeliveryTable, WebhookEndpointTable, WebhookSecretTable } from './schema.js';
import { chunked } from './chunks.js';
import { EventsRepo } from './events-repo.js';

export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type WebhookSecretRow = Selectable<WebhookSecretTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>;
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** A delivery to insert when fanning out, or a test ping. */
export interface NewWebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly orgId: string;
  readonly eventId: number | null;
  readonly eventType: string;
  readonly orderKey: string;
  readonly body: string | null;
  readonly now: string;
  /** When it may first be sent, if not now (HELD_UNTIL for a paused endpoint's). */
  readonly notBefore?: string;
}

/**
 * The next attempt of a paused endpoint's deliveries: never, until resumed (resume makes them due).
 * Kept out of the due range so that polls do not walk a long held queue.
 */
export const HELD_UNTIL = '9999-12-31T00:00:00.000Z';

/** How an attempt ended, recorded with the delivery's new state in one transaction. */
export interface AttemptOutcome {
  readonly attemptId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly responseExcerpt: string | null;
  readonly state: WebhookDeliveryState;
  /** When `state` is pending: the next attempt's time. */
  readonly nextAttemptAt?: string;
  readonly now: string;
}

/** When an endpoint that keeps failing is paused (WebhookDispatcherOptions.pauseAfterMs). */
export interface WebhookPausePolicy {
  readonly afterMs: number;
  readonly minFailures: number;
}

/** One attempt of a drained batch, to settle. */
export interface SettleItem {
  readonly delivery: WebhookDeliveryRow;
  readonly outcome: AttemptOutcome;
}

const num = (v: unknown) => Number(v);

/** Webhook endpoints, their sealed secrets, deliveries and attempts (migration 026). */
export class WebhooksRepo {
  constructor(private readonly db: Kysely<Database>, private readonly engine: Engine) {}

  // ---- endpoints
  /**
   * Adds an endpoint that receives the events fanned out from now on: its `start_id` is the
   * fan-out cursor, read under the cursor's lock, so a fan-out running at the same moment either
   * finished before (and the endpoint starts after it) or sees the endpoint. Answers the start_id.
   */
  async createEndpoint(row: Omit<WebhookEndpointRow, 'start_id'>, secret: WebhookSecretRow): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx.updateTable('webhook_cursor').set({ last_id: sql<number>`last_id` }).where('id', '=', 1).returning('last_id').executeTakeFirstOrThrow();
      await trx.insertInto('webhook_endpoints').values({ ...row, start_id: num(cur.last_id) }).execute();
      await trx.insertInto('webhook_secrets').values(secret).execute();
      return num(cur.last_id);
    });
  }

  async endpoints(orgId: string): Promise<WebhookEndpointRow[]> {
    return this.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
  }

  async endpoint(orgId: string, id: string): Promise<WebhookEndpointRow | undefined> {
    return this.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  }

  async endpointsById(ids: readonly string[]): Promise<WebhookEndpointRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', ids).execute();
  }

  async updateEndpoint(orgId: string, id: string, set: Partial<Pick<WebhookEndpointRow, 'url' | 'description' | 'event_types' | 'enabled'>>, now: string): Promise<boolean> {
    const r = await this.db.updateTable('webhook_endpoints').set({ ...set, updated_at: now }).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Resumes a paused endpoint: its held deliveries are due now and start a new retry window (the
   * pause was not their failure).
   */
  async resume(orgId: string, id: string, now: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('webhook_endpoints').set({ paused_at: null, paused_reason: null, failing_since: null, consecutive_failures: 0, updated_at: now })
        .where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx.updateTable('webhook_deliveries').set({ next_attempt_at: now, first_attempt_at: null })
        .where('endpoint_id', '=', id).where('state', '=', 'pending').execute();
      return true;
    });
  }

  /** Removes an endpoint with its secrets, deliveries and attempts. */
  async deleteEndpoint(orgId: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('webhook_endpoints').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) return false;
      await trx.deleteFrom('webhook_secrets').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      return true;
    });
  }

  // ---- secrets
  /** The secrets that sign deliveries now: the current one and those still in their grace period. */
  async liveSecrets(endpointId: string, now: string): Promise<WebhookSecretRow[]> {
    return this.db.selectFrom('webhook_secrets').selectAll().where('endpoint_id', '=', endpointId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'desc').execute();
  }

  /** liveSecrets of several endpoints in one statement (a drained batch's), newest first per endpoint. */
  async liveSecretsOf(endpointIds: readonly string[], now: string): Promise<Map<string, WebhookSecretRow[]>> {
    const out = new Map<string, WebhookSecretRow[]>();
    for (const part of chunked(endpointIds)) {
      if (!part.length) continue;
      const rows = await this.db.selectFrom('webhook_secrets').selectAll().where('endpoint_id', 'in', part)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('endpoint_id').orderBy('created_at', 'desc').execute();
      for (const r of rows) {
        const list = out.get(r.endpoint_id);
        if (list) list.push(r);
        else out.set(r.endpoint_id, [r]);
      }
    }
    return out;
  }

  /** A new current secret; the old current one expires at `oldExpiresAt` (now: at once). Expired ones are removed. */
  async rotateSecret(endpointId: string, secret: WebhookSecretRow, oldExpiresAt: string, now: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_secrets').where('endpoint_id', '=', endpointId).where('expires_at', '<=', now).execute();
      await trx.updateTable('webhook_secrets').set({ expires_at: oldExpiresAt }).where('endpoint_id', '=', endpointId).where('expires_at', 'is', null).execute();
      await trx.insertInto('webhook_secrets').values(secret).execute();
    });
  }

  // ---- fan-out
  /**
   * Runs `fn` with the fan-out cursor locked (its row lock on PostgreSQL; SQLite has one writer),
   * in one transaction with the deliveries `fn` inserts and the cursor it returns: events are
   * fanned out exactly once whichever nodes run this at the same time, and a node killed midway
   * leaves nothing half done.
   */
  async fanOut(fn: (lastId: number, endpoints: readonly WebhookEndpointRow[], events: EventsRepo, insert: (rows: readonly NewWebhookDelivery[]) => Promise<void>) => Promise<number>): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx.updateTable('webhook_cursor').set({ last_id: sql<number>`last_id` }).where('id', '=', 1).returning('last_id').executeTakeFirstOrThrow();
      const lastId = num(cur.last_id);
      const insert = async (rows: readonly NewWebhookDelivery[]) => {
        const values = rows.map((d) => ({
          id: d.id, endpoint_id: d.endpointId, org_id: d.orgId, event_id: d.eventId, event_type: d.eventType, order_key: d.orderKey, body: d.body,
          state: 'pending', attempts: 0, next_attempt_at: d.notBefore ?? d.now, first_attempt_at: null, locked_by: null, locked_until: null, last_status: null, last_error: null, created_at: d.now, settled_at: null,
        }));
        for (const part of chunked(values, 16)) {
          if (part.length) await trx.insertInto('webhook_deliveries').values(part).onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()).execute();
        }
      };
      // Read after taking the lock: an endpoint created meanwhile took its start from this cursor.
      const endpoints = await trx.selectFrom('webhook_endpoints').selectAll().where('enabled', '=', 1).execute();
      // Events are read on this transaction's connection too (SQLite has one; waiting for it here would never end).
      const next = await fn(lastId, endpoints, new EventsRepo(trx, this.engine), insert);
      if (next > lastId) await trx.updateTable('webhook_cursor').set({ last_id: next }).where('id', '=', 1).execute();
      return next;
    });
  }

  async cursor(): Promise<number> {
    const r = await this.db.selectFrom('webhook_cursor').select('last_id').where('id', '=', 1).executeTakeFirst();
    return num(r?.last_id ?? 0);
  }

  /** A test ping or other delivery made by hand, outside fan-out. */
  async insertDelivery(d: NewWebhookDelivery): Promise<void> {
    await this.db.insertInto('webhook_deliveries').values({
      id: d.id, endpoint_id: d.endpointId, org_id: d.orgId, event_id: d.eventId, event_type: d.eventType, order_key: d.orderKey, body: d.body,
      state: 'pending', attempts: 0, next_attempt_at: d.now, first_attempt_at: null, locked_by: null, locked_until: null, last_status: null, last_error: null, created_at: d.now, settled_at: null,
    }).execute();
  }

  // ---- delivery
  /**
   * Deliveries that may be attempted now: pending, due, not leased, of an endpoint that is on and
   * not paused (a test ping goes even to a paused one), and first in line for their endpoint and
   * order key: a pending delivery of an earlier event for the same person holds later ones back.
   */
  private dueQuery(now: string) {
    return this.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .where('d.state', '=', 'pending').where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<', now)]))
      .where((eb) => eb.or([eb.and([eb('e.enabled', '=', 1), eb('e.paused_at', 'is', null)]), eb('d.event_type', '=', 'webhook.test')]))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as p').select('p.id')
        .whereRef('p.endpoint_id', '=', 'd.endpoint_id').whereRef('p.order_key', '=', 'd.order_key')
        .where('p.state', '=', 'pending').whereRef('p.event_id', '<', 'd.event_id'))));
  }

  /**
   * Gives back the deliveries `worker` leased and has not settled (a node stopping): unleased, so
   * due again at once (they were due when leased), the lease's attempt not counted. Answers how many.
   */
  async release(worker: string): Promise<number> {
    const r = await this.db.updateTable('webhook_deliveries')
      .set((eb) => ({ locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('locked_by', '=', worker).where('state', '=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Leases up to `limit` due deliveries to `worker`. Each is taken by a conditional UPDATE that
   * re-checks it is pending and unleased, so two nodes never hold the same one; `attempts` counts
   * the lease (a node killed mid-send has used an attempt).
   */
  async claim(worker: string, now: string, leaseUntil: string, limit: number): Promise<WebhookDeliveryRow[]> {
    const ids = (await this.dueQuery(now).select('d.id').orderBy('d.next_attempt_at').orderBy('d.event_id').limit(limit).execute()).map((r) => r.id);
    if (!ids.length) return [];
    // One UPDATE … RETURNING for the batch (not one per delivery: a statement each was a measurable
    // share of a delivery's cost, bench/RESULTS.md "Webhooks"); it re-checks each row as before.
    const rows = await this.db.updateTable('webhook_deliveries')
      .set((eb) => ({ locked_by: worker, locked_until: leaseUntil, attempts: eb('attempts', '+', 1), first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(now)) }))
      .where('id', 'in', ids).where('state', '=', 'pending')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .returningAll().execute();
    // In the order the due query chose (oldest first), which RETURNING does not promise.
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Records an attempt and the delivery's new state, if the delivery is still `worker`'s, and the
   * endpoint's health (see settleBatch). Answers whether it was recorded and whether the endpoint
   * was paused now.
   */
  async settle(d: WebhookDeliveryRow, worker: string, o: AttemptOutcome, pause: WebhookPausePolicy | undefined): Promise<{ recorded: boolean; paused: boolean }> {
    const r = await this.settleBatch(worker, [{ delivery: d, outcome: o }], pause);
    return { recorded: r.recorded.has(d.id), paused: r.paused.length > 0 };
  }

  /**
   * Settles the attempts of one drained batch in ONE transaction: a WAL commit per delivery was
   * most of a delivery's cost on SQLite (bench/RESULTS.md, "Webhooks"). For each delivery still
   * leased to `worker` and pending (a delivery whose lease was lost is left alone, and its attempt
   * unrecorded, exactly as when settled alone): its new state and an attempt row. Deliveries with
   * the same outcome are updated by one statement, attempts inserted by one.
   *
   * Endpoint health, from the recorded outcomes in `items`' order (the order the attempts ended):
   * a success clears the failing streak; failures after the endpoint's last success in the batch
   * extend it (or start a new one), and the endpoint is paused once it has failed
   * `pause.minFailures` times in a row over at least `pause.afterMs`. Test pings never count.
   * Endpoint rows are written in id order, one statement each, so two nodes settling batches at
   * once on PostgreSQL take their row locks in the same order (no deadlock); a healthy endpoint's
   * row is not written at all.
   */
  async settleBatch(worker: string, items: readonly SettleItem[], pause: WebhookPausePolicy | undefined): Promise<{ recorded: Set<string>; paused: string[] }> {
    const recorded = new Set<string>();
    const paused: string[] = [];
    if (items.length === 0) return { recorded, paused };
    await this.db.transaction().execute(async (trx) => {
      // 1. Delivery states, grouped by identical new values (the common case: all delivered).
      const groups = new Map<string, SettleItem[]>();
      for (const it of items) {
        const o = it.outcome;
        const key = JSON.stringify([o.state, o.status, o.error, o.nextAttemptAt ?? null, o.state !== 'pending' ? o.now : null]);
        const g = groups.get(key);
        if (g) g.push(it);
        else groups.set(key, [it]);
      }
      for (const g of groups.values()) {
        const o = g[0]!.outcome;
        for (const part of chunked(g.map((it) => it.delivery.id))) {
          const rows = await trx.updateTable('webhook_deliveries').set({
            state: o.state, locked_by: null, locked_until: null, last_status: o.status, last_error: o.error,
            ...(o.nextAttemptAt ? { next_attempt_at: o.nextAttemptAt } : {}), ...(o.state !== 'pending' ? { settled_at: o.now } : {}),
          }).where('id', 'in', part).where('locked_by', '=', worker).where('state', '=', 'pending').returning('id').execute();
          for (const r of rows) recorded.add(r.id);
        }
      }
      const done = items.filter((it) => recorded.has(it.delivery.id));
      // 2. One attempt row per recorded delivery.
      const attempts = done.map(({ delivery: d, outcome: o }) => ({
        id: o.attemptId, delivery_id: d.id, endpoint_id: d.endpoint_id, attempt: d.attempts, started_at: o.startedAt, duration_ms: Math.round(o.durationMs),
        status: o.status, error: o.error, response_excerpt: o.responseExcerpt,
      }));
      for (const part of chunked(attempts, 9)) {
        if (part.length) await trx.insertInto('webhook_attempts').values(part).execute();
      }
      // 3. Endpoint health, per endpoint, in id order.
      const health = new Map<string, { success: boolean; failures: AttemptOutcome[] }>();
      for (const { delivery: d, outcome: o } of done) {
        if (d.event_type === 'webhook.test') continue;
        const h = health.get(d.endpoint_id) ?? { success: false, failures: [] };
        if (o.state === 'delivered') {
          h.success = true;
          h.failures = [];
        } else h.failures.push(o);
        health.set(d.endpoint_id, h);
      }
      for (const id of [...health.keys()].sort()) {
        const h = health.get(id)!;
        if (h.failures.length === 0) {
          // Only an endpoint with a failing streak is written: a healthy one (nearly every delivery) is left as it is.
          await trx.updateTable('webhook_endpoints').set({ failing_since: null, consecutive_failures: 0 }).where('id', '=', id)
            .where((eb) => eb.or([eb('failing_since', 'is not', null), eb('consecutive_failures', '>', 0)])).execute();
          continue;
        }
        const first = h.failures[0]!, last = h.failures.at(-1)!, n = h.failures.length;
        const e = await trx.updateTable('webhook_endpoints')
          .set((eb) => h.success
            // A success earlier in the batch ended the old streak: a new one starts at the first failure after it.
            ? { failing_since: first.startedAt, consecutive_failures: n }
            : { failing_since: eb.fn.coalesce('failing_since', eb.val(first.startedAt)), consecutive_failures: eb('consecutive_failures', '+', n) })
          .where('id', '=', id).returning(['failing_since', 'consecutive_failures', 'paused_at']).executeTakeFirst();
        if (!e || !pause || e.paused_at !== null) continue;
        const failingFor = Date.parse(last.now) - Date.parse(e.failing_since!);
        if (failingFor < pause.afterMs || num(e.consecutive_failures) < pause.minFailures) continue;
        await trx.updateTable('webhook_endpoints').set({ paused_at: last.now, paused_reason: `every delivery attempt failed for ${Math.round(failingFor / 60_000)} minutes (${num(e.consecutive_failures)} attempts); last: ${last.error ?? `HTTP ${last.status}`}` })
          .where('id', '=', id).where('paused_at', 'is', null).execute();
        // Held until resumed (test pings excepted: they go even to a paused one).
        await trx.updateTable('webhook_deliveries').set({ next_attempt_at: HELD_UNTIL })
          .where('endpoint_id', '=', id).where('state', '=', 'pending').where('event_type', '!=', 'webhook.test').execute();
        paused.push(id);
      }
    });
    return { recorded, paused };
  }

  /** Sends a delivery again: due now, with a new retry window; its earlier attempts stay on record. */
  async replay(endpointId: string, id: string, now: string): Promise<boolean> {
    const r = await this.db.updateTable('webhook_deliveries').set({ state: 'pending', next_attempt_at: now, first_attempt_at: null, settled_at: null })
      .where('endpoint_id', '=', endpointId).where('id', '=', id)
      .where((eb) => eb.or([eb('state', '!=', 'pending'), eb('locked_by', 'is', null)])).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async delivery(endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
    return this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
  }

  /** An endpoint's deliveries, newest first, before `before` (created_at) when paging. */
  async deliveries(endpointId: string, q: { state?: WebhookDeliveryState; limit: number; before?: string }): Promise<WebhookDeliveryRow[]> {
    let s = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
    if (q.state) s = s.where('state', '=', q.state);
    if (q.before) s = s.where('created_at', '<', q.before);
    return s.orderBy('created_at', 'desc').orderBy('event_id', 'desc').limit(q.limit).execute();
  }

  async attempts(deliveryIds: readonly string[]): Promise<WebhookAttemptRow[]> {
    const out: WebhookAttemptRow[] = [];
    for (const part of chunked([...deliveryIds])) {
      if (part.length) out.push(...await this.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', part).orderBy('attempt').execute());
    }
    return out;
  }

  /** Removes up to `limit` delivered or failed deliveries settled before `cutoff`, with their attempts; answers how many. */
  async pruneSettled(cutoff: string, limit: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const ids = (await trx.selectFrom('webhook_deliveries').select('id').where('state', '!=', 'pending').where('settled_at', '<', cutoff).limit(limit).execute()).map((r) => r.id);
      for (const part of chunked(ids)) {
        if (!part.length) continue;
        await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', part).execute();
        await trx.deleteFrom('webhook_deliveries').where('id', 'in', part).execute();
      }
      return ids.length;
    });
  }

  /** Per endpoint of the organisation: how many deliveries are pending and failed. */
  async counts(orgId: string): Promise<Map<string, { pending: number; failed: number }>> {
    const rows = await this.db.selectFrom('webhook_deliveries').select(['endpoint_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', orgId).where('state', 'in', ['pending', 'failed']).groupBy(['endpoint_id', 'state']).execute();
    const out = new Map<string, { pending: number; failed: number }>();
    for (const r of rows) {
      const c = out.get(r.endpoint_id) ?? { pending: 0, failed: 0 };
      if (r.state === 'pending') c.pending = num(r.n);
      else c.failed = num(r.n);
      out.set(r.endpoint_id, c);
    }
    return out;
  }
}
