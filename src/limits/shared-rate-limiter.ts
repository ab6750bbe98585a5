/**
 * Rate limits counted across every node on one database (issue 17, item 5), at a small CPU cost
 * per request: each node leases a few requests at a time from a shared token bucket row (one
 * INSERT … ON CONFLICT DO UPDATE … RETURNING, src/store/limits-repo.ts) and spends them in memory,
 * so a SCIM request costs a database round trip only once per lease, and a throttled one none.
 *
 * Accuracy, with N nodes, a limit of R requests/s, a burst of B and leases of L = max(1, R/10)
 * (at most B; a node asks for more only when more requests are already waiting on it, and those
 * spend the lease at once):
 * - The shared row is an exact token bucket: over any interval of Δ seconds it hands out at most
 *   B + R·Δ requests in total. A node spends a lease within LEASE_MS of taking it or drops the
 *   rest, so the requests admitted by all nodes in any interval are at most B + R·Δ + N·L (the
 *   last term: leases taken just before the interval). Over ten seconds at 100/s with two nodes,
 *   L = 10: at most 20 more than one node would admit, 2%.
 * - Under steady overload it loses no quota: a node that cannot get a whole lease waits (locally,
 *   no round trip) until one has refilled, and the bucket keeps what refills meanwhile. It can
 *   admit less than R only when a node holds a lease its callers spend slowly (at most L per node
 *   at a time, dropped after LEASE_MS) while another node is throttled: near a node's capacity.
 * - Node clocks: the bucket's time never moves back; a node whose clock runs ahead refills early
 *   by its skew times R. Keep nodes on NTP.
 */
import type { BucketShape, Lease } from '../store/limits-repo.js';
import { UNITS_PER_TOKEN } from '../store/limits-repo.js';

/** Decides whether one more request for `key` may go ahead. */
export interface Throttle {
  /** 0 when the request may go ahead, else the seconds to wait (for Retry-After, RFC 9110 §10.2.3). */
  take(key: string): number | Promise<number>;
}

export interface ThrottleRate {
  /** Sustained requests per second per key; 0 turns the throttle off. */
  readonly perSecond: number;
  /** Requests a key may send at once before the sustained rate applies. */
  readonly burst: number;
}

/** Makes the throttle for one kind of limit (`scope`: scim, sign-in, public, …), shared or in-process. */
export type ThrottleFactory = (scope: string, rate: ThrottleRate) => Throttle;

/** What the limiter needs of the store. */
export interface BucketLeases {
  lease(scope: string, key: string, want: number, shape: BucketShape, now: number): Promise<Lease>;
  sweepBuckets(scope: string, before: number): Promise<void>;
}

/** A lease not spent within this long is dropped: it bounds how far a node can carry quota forward. */
export const LEASE_MS = 1000;
const SWEEP_EVERY_MS = 60_000;
/** Lease rounds a request may wait through before it is throttled (several nodes racing for the last tokens). */
const MAX_ROUNDS = 4;

interface Held {
  left: number;
  /** Requests for this key inside take() and not yet decided: the next lease asks for that many (up to the burst). */
  pending: number;
  expires: number;
  /** Until then, no lease is asked for: the bucket has less than a lease (no round trip per throttled request). */
  denyUntil: number;
  refill?: Promise<boolean>;
}

export class SharedRateLimiter implements Throttle {
  private readonly held = new Map<string, Held>();
  private readonly shape: BucketShape;
  /** Requests taken from the shared bucket per round trip. */
  readonly leaseSize: number;
  private nextSweep = 0;

  constructor(
    private readonly leases: BucketLeases,
    private readonly scope: string,
    private readonly rate: ThrottleRate,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    const burst = Math.max(1, Math.floor(rate.burst));
    // Per minute, a whole number for every limit Muster's settings allow (MUSTER_SIGN_IN_LIMIT is per minute).
    this.shape = { unitsPerMs: Math.max(1, Math.round(rate.perSecond * 60)), burst };
    this.leaseSize = Math.max(1, Math.min(burst, Math.floor(rate.perSecond / 10)));
  }

  async take(key: string): Promise<number> {
    if (this.rate.perSecond <= 0) return 0;
    const t = this.now();
    const h = this.entry(key);
    // The common case, with no promise to wait on beyond this async function's own.
    if (h.left > 0 && t < h.expires) {
      h.left--;
      return 0;
    }
    return this.decide(key, h);
  }

  private entry(key: string): Held {
    let h = this.held.get(key);
    if (!h) {
      if (this.held.size >= 100_000) this.held.clear(); // a bound, not an expected case: dropping leases only under-admits
      h = { left: 0, pending: 0, expires: 0, denyUntil: 0 };
      this.held.set(key, h);
    }
    return h;
  }

  private async decide(key: string, h: Held): Promise<number> {
    // Counted here, not around the call in take(): the finally runs as this caller is decided, in
    // the same turn, so a lease sized by the next caller counts only those still waiting. One hop
    // later, a lease would ask for a caller already served and strand the token (another node's
    // caller, refused meanwhile, needed it).
    h.pending++;
    try {
      for (let round = 0; ; round++) {
        const t = this.now();
        if (h.left > 0 && t < h.expires) {
          h.left--;
          return 0;
        }
        if (t < h.denyUntil) return Math.max(1, Math.ceil((h.denyUntil - t) / 1000));
        if (round >= MAX_ROUNDS) return 1;
        // One lease request per key and node at a time: callers arriving meanwhile wait for it.
        h.refill ??= this.refill(key, h).finally(() => {
          h.refill = undefined;
        });
        const ok = await h.refill;
        if (!ok) return 0; // the database did not answer: fail open (the request itself will tell)
      }
    } finally {
      h.pending--;
    }
  }

  private async refill(key: string, h: Held): Promise<boolean> {
    const t = this.now();
    if (t >= this.nextSweep) {
      this.nextSweep = t + SWEEP_EVERY_MS;
      // A bucket untouched for longer than it takes to fill is full, as a missing row is.
      const fullMs = Math.ceil((this.shape.burst * UNITS_PER_TOKEN) / this.shape.unitsPerMs);
      void this.leases.sweepBuckets(this.scope, t - fullMs - SWEEP_EVERY_MS).catch(this.onError);
    }
    // As many as are waiting here (a burst spends them at once), at least a lease, at most the burst.
    const want = Math.min(this.shape.burst, Math.max(this.leaseSize, h.pending));
    let lease: Lease;
    try {
      lease = await this.leases.lease(this.scope, key, want, this.shape, t);
    } catch (err) {
      this.onError(err);
      return false;
    }
    h.left = lease.granted;
    h.expires = t + LEASE_MS;
    // Less than a whole lease left: ask again only once a whole one has refilled, so a busy token
    // costs one round trip per lease, not one per throttled request.
    h.denyUntil = lease.granted < want
      ? t + Math.max(1, Math.ceil((this.leaseSize * UNITS_PER_TOKEN - lease.unitsLeft) / this.shape.unitsPerMs))
      : 0;
    return true;
  }
}
