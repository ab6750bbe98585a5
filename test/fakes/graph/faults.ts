// Fault injection: answers Graph would give under load, on maintenance, or to a stale token.
import { errors, type GraphError } from './errors.js';

export interface FaultSpec {
  /**
   * Request path relative to /v1.0 ('users/delta', 'groups/delta', 'groups', 'users/$count'…);
   * a trailing '*' matches a prefix ('users/*'). 'token' matches the token endpoint.
   */
  readonly path: string;
  readonly status: 429 | 503 | 410 | 401;
  /** Retry-After for 429/503, in seconds; may be fractional as Graph sends it ("2.128"). Default "1". */
  readonly retryAfter?: string;
  /** How many matching requests fail; default 1. Use Infinity for "until cleared". */
  readonly times?: number;
  /** How many matching requests succeed before the failures start; default 0. */
  readonly afterRequests?: number;
  /** For 410: the error code, "resyncRequired" (default) or "syncStateNotFound". */
  readonly code?: string;
}

interface ArmedFault {
  readonly spec: FaultSpec;
  seen: number;
  fired: number;
}

export class Faults {
  private armed: ArmedFault[] = [];

  add(spec: FaultSpec): void {
    this.armed.push({ spec, seen: 0, fired: 0 });
  }

  clear(): void {
    this.armed = [];
  }

  /** The fault this request should get, if any; counts the request against every match. */
  take(relPath: string, resyncLocation: () => string): GraphError | null {
    let hit: FaultSpec | null = null;
    for (const fault of this.armed) {
      if (!matches(fault.spec.path, relPath)) continue;
      fault.seen++;
      if (hit || fault.seen <= (fault.spec.afterRequests ?? 0)) continue;
      if (fault.fired >= (fault.spec.times ?? 1)) continue;
      fault.fired++;
      hit = fault.spec;
    }
    this.armed = this.armed.filter((f) => f.fired < (f.spec.times ?? 1));
    if (!hit) return null;
    const retryAfter = hit.retryAfter ?? '1';
    switch (hit.status) {
      case 429: return errors.throttled(retryAfter);
      case 503: return errors.unavailable(retryAfter);
      case 401: return errors.invalidToken();
      case 410: return errors.resync(410, hit.code ?? 'resyncRequired', resyncLocation());
    }
  }
}

function matches(pattern: string, relPath: string): boolean {
  const p = pattern.replace(/^\/+/, '').replace(/^v1\.0\//, '').replace(/%24/gi, '$');
  return p.endsWith('*') ? relPath.startsWith(p.slice(0, -1)) : relPath === p;
}
