// Fault injection: answers Google gives under load or during an incident.
import { errors, OAuthError, type ApiError } from './errors.js';

export interface FaultSpec {
  /** 'token', 'genericClass', 'genericObject', or '*' for every Wallet API call. */
  readonly target: 'token' | 'genericClass' | 'genericObject' | '*';
  /** Only requests of this method (GET, POST, PATCH); default all. */
  readonly method?: string;
  readonly status: 429 | 500 | 503;
  /** Retry-After in seconds (429 and 503); default "1" for 429, none for 503. */
  readonly retryAfter?: string;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
  /** How many matching requests succeed before the failures start; default 0. */
  readonly afterRequests?: number;
}

export class Faults {
  private armed: { spec: FaultSpec; seen: number; fired: number }[] = [];

  add(spec: FaultSpec): void {
    this.armed.push({ spec, seen: 0, fired: 0 });
  }

  clear(): void {
    this.armed = [];
  }

  /** The failure this request gets, if any. */
  take(target: 'token' | 'genericClass' | 'genericObject', method: string): ApiError | OAuthError | undefined {
    let hit: FaultSpec | undefined;
    for (const f of this.armed) {
      if (f.spec.target !== target && !(f.spec.target === '*' && target !== 'token')) continue;
      if (f.spec.method && f.spec.method.toUpperCase() !== method) continue;
      f.seen++;
      if (hit || f.seen <= (f.spec.afterRequests ?? 0) || f.fired >= (f.spec.times ?? 1)) continue;
      f.fired++;
      hit = f.spec;
    }
    this.armed = this.armed.filter((f) => f.fired < (f.spec.times ?? 1));
    if (!hit) return undefined;
    const retry = hit.retryAfter ?? (hit.status === 429 ? '1' : undefined);
    if (target === 'token') {
      return new OAuthError(hit.status, hit.status === 429 ? 'rate_limit_exceeded' : 'internal_failure', 'injected fault', retry ? { 'Retry-After': retry } : {});
    }
    if (hit.status === 429) return errors.throttled(retry ?? '1');
    if (hit.status === 503) return errors.unavailable(retry);
    return errors.internal('Internal error encountered.');
  }
}
