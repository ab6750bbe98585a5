/**
 * What a client is told when the lane of whole-list queries (src/store/scan-pool.ts) cannot take a
 * query: its list has its most waiting (429, with when to come back: RFC 6585 §4, RFC 9110
 * §10.2.3), or the query ran past its deadline (400 `tooMany`, RFC 7644 §3.12: "more results than
 * the server is willing to calculate or process"). Never a 500.
 */
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../../src/http/scim-response.js';
import { ScanBusyError, ScanTimeoutError, SCAN_BUSY_RETRY_AFTER_S } from '../../../src/store/scan-pool.js';

const errors: string[] = [];
const log = { error: (msg: string) => errors.push(msg), warn: () => undefined, info: () => undefined, debug: () => undefined };

describe('SCIM answers for the lane of whole-list queries', () => {
  it('a full lane: 429 with Retry-After, as a SCIM error', async () => {
    const res = errorResponse(new ScanBusyError(16), log as never, 'r1');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(SCAN_BUSY_RETRY_AFTER_S));
    const body = await res.json() as { schemas: string[]; status: string; detail: string };
    expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(body.status).toBe('429');
    expect(body.detail).toMatch(/16 queries that read the whole list waiting or running; try again in 2 s/);
    expect(errors).toEqual([]);
  });

  it('past the deadline: 400 tooMany, saying what to do instead', async () => {
    const res = errorResponse(new ScanTimeoutError(30_000), log as never, 'r2');
    expect(res.status).toBe(400);
    expect(res.headers.get('retry-after')).toBeNull();
    const body = await res.json() as { status: string; scimType: string; detail: string };
    expect(body.status).toBe('400');
    expect(body.scimType).toBe('tooMany');
    expect(body.detail).toMatch(/took longer than 30 s.*userName.*MUSTER_SCAN_TIMEOUT_S/);
    expect(errors).toEqual([]);
  });
});
