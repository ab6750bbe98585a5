/**
 * Limits shared by every node on one database (migration 031): token buckets nodes lease
 * requests from, and the sign-in backoff per (account email, client address). Each operation is
 * one statement, so two nodes racing for the same bucket or the same pair serialise on its row
 * and neither can take what the other took.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';

/** Units per request in `rate_buckets.tokens`: a rate per minute refills a whole number of units per millisecond. */
export const UNITS_PER_TOKEN = 60_000;

export interface BucketShape {
  /** Units refilled per millisecond: the limit per minute (requests/s × 60). */
  readonly unitsPerMs: number;
  /** The bucket's size in requests. */
  readonly burst: number;
}

export interface Lease {
  /** Requests this node may admit now (0..want). */
  readonly granted: number;
  /** Units left in the shared bucket after the lease. */
  readonly unitsLeft: number;
}

export interface Backoff {
  /** True when this attempt may go ahead (it is counted as a failure until `succeeded`). */
  readonly allowed: boolean;
  /** Attempts counted for the pair, this one included when allowed. */
  readonly failures: number;
  /** Epoch ms before which the pair may not try again. */
  readonly nextAt: number;
}

const big = (n: number): RawBuilder<number> => sql<number>`cast(${Math.trunc(n)} as bigint)`;

export class LimitsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes up to `want` requests from the bucket (scope, key), refilled up to `now` (epoch ms), in
   * one INSERT … ON CONFLICT DO UPDATE … RETURNING on both engines. Every SET expression reads the
   * row as it was before the statement, so `granted` and `tokens` agree. Integer arithmetic only:
   * `/` truncates on both engines. A node whose clock is behind the bucket's gets no refill until it
   * catches up (`at` never moves back); one ahead refills early by its skew times the rate.
   */
  async lease(scope: string, key: string, want: number, shape: BucketShape, now: number): Promise<Lease> {
    const burstUnits = shape.burst * UNITS_PER_TOKEN;
    // The refill is capped at a full bucket's worth of time, which also keeps the product far from overflow.
    const fullMs = Math.ceil(burstUnits / shape.unitsPerMs);
    const first = Math.min(want, shape.burst);
    const elapsed = sql`(CASE WHEN ${big(now)} - rate_buckets.at > ${big(fullMs)} THEN ${big(fullMs)} WHEN ${big(now)} > rate_buckets.at THEN ${big(now)} - rate_buckets.at ELSE 0 END)`;
    const avail = sql`(CASE WHEN rate_buckets.tokens + ${elapsed} * ${big(shape.unitsPerMs)} >= ${big(burstUnits)} THEN ${big(burstUnits)} ELSE rate_buckets.tokens + ${elapsed} * ${big(shape.unitsPerMs)} END)`;
    const grant = sql`(CASE WHEN ${avail} / ${big(UNITS_PER_TOKEN)} >= ${big(want)} THEN ${big(want)} ELSE ${avail} / ${big(UNITS_PER_TOKEN)} END)`;
    const r = await sql<{ granted: number | string; tokens: number | string }>`
      INSERT INTO rate_buckets (scope, key, tokens, at, granted)
      VALUES (${scope}, ${key}, ${big(burstUnits - first * UNITS_PER_TOKEN)}, ${big(now)}, ${big(first)})
      ON CONFLICT (scope, key) DO UPDATE SET
        granted = ${grant},
        tokens = ${avail} - ${grant} * ${big(UNITS_PER_TOKEN)},
        at = CASE WHEN rate_buckets.at > ${big(now)} THEN rate_buckets.at ELSE ${big(now)} END
      RETURNING granted, tokens`.execute(this.db);
    const row = r.rows[0]!;
    return { granted: Number(row.granted), unitsLeft: Number(row.tokens) };
  }

  /** Forgets buckets of `scope` untouched since `before` (epoch ms): by then they are full, as a missing row is. */
  async sweepBuckets(scope: string, before: number): Promise<void> {
    await this.db.deleteFrom('rate_buckets').where('scope', '=', scope).where('at', '<', before).execute();
  }

  /**
   * Claims a sign-in attempt for (email, address) if the pair's backoff allows one at `now`, and
   * counts it as a failure in the same statement, so parallel guesses cannot all pass one check:
   * each claim moves `next_at` on by `delayMs(failures)` (the SQL CASE `delayCase` builds) before
   * the password is checked. A success then forgets the pair (`succeeded`).
   */
  async claimSignIn(email: string, address: string, now: number, delayMs: (failures: number) => number, maxSteps: number): Promise<Backoff> {
    // A failure with no wait after it stores 0, not `now`: a parallel guess whose clock was read a
    // moment earlier must not find a "next attempt" a few milliseconds in its future and be refused
    // while its failures are still free.
    const nextAt = (failures: number) => (delayMs(failures) === 0 ? 0 : now + delayMs(failures));
    const cases = Array.from({ length: maxSteps }, (_, i) => sql`WHEN ${big(i + 1)} THEN ${big(nextAt(i + 1))}`);
    const r = await sql<{ failures: number | string; next_at: number | string }>`
      INSERT INTO sign_in_backoff (email, address, failures, next_at, updated_at)
      VALUES (${email}, ${address}, 1, ${big(nextAt(1))}, ${big(now)})
      ON CONFLICT (email, address) DO UPDATE SET
        failures = sign_in_backoff.failures + 1,
        next_at = (CASE sign_in_backoff.failures + 1 ${sql.join(cases, sql` `)} ELSE ${big(nextAt(maxSteps + 1))} END),
        updated_at = ${big(now)}
      WHERE sign_in_backoff.next_at <= ${big(now)}
      RETURNING failures, next_at`.execute(this.db);
    const row = r.rows[0];
    if (row) return { allowed: true, failures: Number(row.failures), nextAt: Number(row.next_at) };
    const held = await this.db.selectFrom('sign_in_backoff').select(['failures', 'next_at']).where('email', '=', email).where('address', '=', address).executeTakeFirst();
    // Gone meanwhile (a success or `muster admins unlock`): the next attempt will be allowed.
    return { allowed: false, failures: Number(held?.failures ?? 0), nextAt: Number(held?.next_at ?? now) };
  }

  /** The right password from this address: its failures are forgotten. */
  async signInSucceeded(email: string, address: string): Promise<void> {
    await this.db.deleteFrom('sign_in_backoff').where('email', '=', email).where('address', '=', address).execute();
  }

  /** `muster admins unlock`: forgets the account's failures from every address. */
  async clearSignIns(email: string): Promise<number> {
    const r = await this.db.deleteFrom('sign_in_backoff').where('email', '=', email).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Forgets pairs that have not failed since `before` (epoch ms): a day later a pair starts afresh. */
  async sweepSignIns(before: number): Promise<void> {
    await this.db.deleteFrom('sign_in_backoff').where('updated_at', '<', before).execute();
  }
}
