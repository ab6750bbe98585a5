/**
 * Throttling per bearer token: a token bucket of `burst` requests refilled at `perSecond`.
 * Over it, a request gets 429 with a SCIM error body and Retry-After, which Okta and Entra ID
 * honour (Okta: support.okta.com, "Slack provisioning jobs failed with error: API rate limit
 * exceeded"; Entra ID: Microsoft Q&A, learn.microsoft.com/answers/questions/2284725).
 *
 * This is the in-process limiter, exact for one process: SQLite's default (one machine, one
 * process). Several nodes (PostgreSQL, or MUSTER_SHARED_LIMITS=on) use src/limits/
 * shared-rate-limiter.ts instead, which counts in the database (docs/operations.md).
 */
import type { Throttle } from '../limits/shared-rate-limiter.js';

export interface RateLimitOptions {
  /** Sustained requests per second per token; 0 turns throttling off. */
  readonly perSecond: number;
  /** Requests a token may send at once before the sustained rate applies. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter implements Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly opts: RateLimitOptions, private readonly now: () => number = () => performance.now()) {}

  /** Takes one request from `key`'s bucket: 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    if (this.opts.perSecond <= 0) return 0;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.opts.burst, at: t };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((t - b.at) / 1000) * this.opts.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.clear(); // a bound, not an expected case
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.opts.perSecond));
  }
}

/**
 * The key a per-address limit counts a client under: an IPv4 address as it is (an IPv4-mapped
 * IPv6 address as its IPv4 one), an IPv6 address by its /64, the smallest network an ISP hands
 * one subscriber (RFC 6177), from which a client can take a new address for every request.
 */
export function addressKey(address: string): string {
  const a = address.split('%')[0]!.toLowerCase(); // without a zone (fe80::1%eth0)
  if (!a.includes(':')) return a;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
