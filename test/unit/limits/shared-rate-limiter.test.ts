import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LEASE_MS, SharedRateLimiter, type BucketLeases } from '../../../src/limits/shared-rate-limiter.js';
import { UNITS_PER_TOKEN, type BucketShape } from '../../../src/store/limits-repo.js';

/** The repository's statement, in memory: one token bucket per key, refilled by the caller's clock. */
class FakeBuckets implements BucketLeases {
  readonly rows = new Map<string, { tokens: number; at: number }>();
  calls = 0;
  fail = false;
  /** Event-loop turns each lease takes to come back (a database round trip); none by default. */
  latency: () => number = () => 0;
  async lease(scope: string, key: string, want: number, shape: BucketShape, now: number) {
    this.calls++;
    for (let turns = this.latency(); turns > 0; turns--) await new Promise((r) => setImmediate(r));
    if (this.fail) throw new Error('database down');
    const burst = shape.burst * UNITS_PER_TOKEN;
    const row = this.rows.get(`${scope}/${key}`) ?? { tokens: burst, at: now };
    const avail = Math.min(burst, row.tokens + Math.max(0, now - row.at) * shape.unitsPerMs);
    const granted = Math.min(want, Math.floor(avail / UNITS_PER_TOKEN));
    this.rows.set(`${scope}/${key}`, { tokens: avail - granted * UNITS_PER_TOKEN, at: Math.max(row.at, now) });
    return { granted, unitsLeft: avail - granted * UNITS_PER_TOKEN };
  }
  async sweepBuckets(): Promise<void> {}
}

const admitted = (waits: number[]) => waits.filter((w) => w === 0).length;

describe('SharedRateLimiter', () => {
  it('two nodes on one bucket admit the burst, then the rate, in total', async () => {
    const db = new FakeBuckets();
    let t = 1_000_000;
    const a = new SharedRateLimiter(db, 'scim', { perSecond: 100, burst: 50 }, () => t);
    const b = new SharedRateLimiter(db, 'scim', { perSecond: 100, burst: 50 }, () => t);
    expect(a.leaseSize).toBe(10);
    const first = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).take('tok')));
    expect(admitted(first)).toBe(50);
    t += 1000;
    const second = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 3 ? a : b).take('tok')));
    expect(admitted(second)).toBe(50); // 100 refilled, capped at the burst
    t += 300;
    expect(admitted(await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).take('tok'))))).toBe(30);
  });

  it('leases only for the callers still waiting, so a node strands no token another node\'s caller needed', async () => {
    // 2/s with a burst of 6: leases of one token. Each node's second caller arrives while its first
    // is leasing; once the first has its token, the next lease must ask for one, not two (a token
    // leased for a caller already decided sits unused while the other node refuses).
    const db = new FakeBuckets();
    const t = 5_000;
    const a = new SharedRateLimiter(db, 'public', { perSecond: 2, burst: 6 }, () => t);
    const b = new SharedRateLimiter(db, 'public', { perSecond: 2, burst: 6 }, () => t);
    expect(admitted(await Promise.all([a.take('ip'), a.take('ip')]))).toBe(2);
    expect(admitted(await Promise.all(Array.from({ length: 6 }, () => b.take('ip'))))).toBe(4);
    expect(db.rows.get('public/ip')!.tokens).toBe(0);
  });

  it('with leases of one, two nodes admit exactly min(requests, burst) at one instant, however the requests arrive and the leases return', async () => {
    const arrival = fc.record({ node: fc.integer({ min: 0, max: 1 }), gap: fc.integer({ min: 0, max: 3 }) });
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 19 }), fc.array(arrival, { minLength: 1, maxLength: 24 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
      async (burst, perSecond, arrivals, latencies) => {
        const db = new FakeBuckets();
        let n = 0;
        db.latency = () => latencies[n++ % latencies.length]!;
        const nodes = [0, 1].map(() => new SharedRateLimiter(db, 'public', { perSecond, burst }, () => 7_000));
        expect(nodes[0]!.leaseSize).toBe(1);
        const waits: Promise<number>[] = [];
        for (const { node, gap } of arrivals) {
          for (let i = 0; i < gap; i++) await new Promise((r) => setImmediate(r));
          waits.push(nodes[node]!.take('ip'));
        }
        expect(admitted(await Promise.all(waits))).toBe(Math.min(arrivals.length, burst));
      },
    ), { numRuns: 300 });
  });

  it('asks the database once per lease, and not at all for a throttled request while the bucket refills', async () => {
    const db = new FakeBuckets();
    let t = 0;
    const node = new SharedRateLimiter(db, 'scim', { perSecond: 100, burst: 10 }, () => t);
    for (let i = 0; i < 10; i++) expect(await node.take('tok')).toBe(0);
    expect(db.calls).toBe(1);
    const throttled = await node.take('tok');
    expect(throttled).toBe(1);
    const calls = db.calls;
    for (let i = 0; i < 50; i++) expect(await node.take('tok')).toBeGreaterThan(0);
    expect(db.calls).toBe(calls);
    t += 100; // a lease's worth (10 at 100/s) has refilled
    expect(await node.take('tok')).toBe(0);
  });

  it('drops a lease not spent within LEASE_MS, so a node cannot carry quota forward', async () => {
    const db = new FakeBuckets();
    let t = 0;
    const node = new SharedRateLimiter(db, 'scim', { perSecond: 100, burst: 100 }, () => t);
    expect(await node.take('tok')).toBe(0); // leased 10, spent 1
    t += LEASE_MS;
    const before = db.calls;
    expect(await node.take('tok')).toBe(0);
    expect(db.calls).toBe(before + 1); // the 9 left were dropped; a new lease was taken
  });

  it('keys are independent, and a database error admits (the request itself will fail or succeed) and is reported', async () => {
    const db = new FakeBuckets();
    const errors: unknown[] = [];
    const node = new SharedRateLimiter(db, 'public', { perSecond: 1, burst: 1 }, () => 0, (err) => errors.push(err));
    expect(await node.take('1.2.3.4')).toBe(0);
    expect(await node.take('1.2.3.4')).toBeGreaterThan(0);
    expect(await node.take('5.6.7.8')).toBe(0);
    db.fail = true;
    expect(await node.take('9.9.9.9')).toBe(0);
    expect(errors).toHaveLength(1);
    expect(await new SharedRateLimiter(db, 'off', { perSecond: 0, burst: 1 }).take('x')).toBe(0);
  });
});
