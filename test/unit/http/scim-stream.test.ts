/**
 * When a streamed SCIM answer (a large group, docs/scim.md "Large groups") counts as sent: the
 * request's foreground time and its request-log entry end there, not when the handler returns.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { STREAM_STALL_MS, scimJson, scimStream, settleOnClose, whenSent, withHeaders, type StreamEnd } from '../../../src/http/scim-response.js';

/** Pieces of 70,000 characters: each fills a chunk of its own (chunks are about 64 KiB). */
async function* pieces(n: number, failAt = -1): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) {
    if (i === failAt) throw new Error('the database went away');
    yield String(i % 10).repeat(70_000);
  }
}

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

function watch(res: Response): StreamEnd[] {
  const seen: StreamEnd[] = [];
  whenSent(res, (how) => seen.push(how));
  return seen;
}

describe('when a streamed answer has been sent', () => {
  it('an answer made whole is sent when its handler returns', () => {
    expect(watch(scimJson({ a: 1 }))).toEqual(['sent']);
    expect(watch(new Response('x'))).toEqual(['sent']);
  });

  it('a stream is sent when its last chunk has been read, not before; every waiter hears it once', async () => {
    const res = withHeaders(await scimStream(pieces(4)), { 'x-request-id': 'r1' }).res;
    const early = watch(res);
    const reader = res.body!.getReader();
    let chunks = 0;
    for (;;) {
      expect(early, `after ${chunks} chunks`).toEqual([]);
      const r = await reader.read();
      if (r.done) break;
      chunks++;
    }
    expect(chunks).toBeGreaterThanOrEqual(4);
    expect(early).toEqual(['sent']);
    expect(watch(res)).toEqual(['sent']); // a waiter that comes after the end hears at once
  });

  it('a client that leaves part way ends it as client-left', async () => {
    const res = await scimStream(pieces(5));
    const seen = watch(res);
    const reader = res.body!.getReader();
    await reader.read();
    expect(seen).toEqual([]);
    await reader.cancel();
    expect(seen).toEqual(['client-left']);
  });

  it('a failure after the first chunk ends it as failed; a failure before it is thrown to the handler', async () => {
    const res = await scimStream(pieces(5, 2), 200, {}, quiet);
    const seen = watch(res);
    const reader = res.body!.getReader();
    await expect((async () => { for (;;) if ((await reader.read()).done) return; })()).rejects.toThrow(/went away/);
    expect(seen).toEqual(['failed']);
    await expect(scimStream(pieces(5, 0))).rejects.toThrow(/went away/);
  });

  it('a stream whose whole answer fits its first chunk is sent at once', async () => {
    expect(watch(await scimStream(pieces(0)))).toEqual(['sent']);
  });
});

describe('a streamed answer is in flight until it is sent', () => {
  it('the in-flight gauge and the request\'s duration wait for the last chunk', async () => {
    const { Hono } = await import('hono');
    const { Metrics } = await import('../../../src/metrics/index.js');
    const { httpMetrics } = await import('../../../src/http/metrics-routes.js');
    const metrics = new Metrics();
    const app = new Hono();
    app.use('*', httpMetrics(metrics));
    app.get('/big', async () => scimStream(pieces(4)));
    const inFlight = async () => (await metrics.httpInFlight.get()).values[0]?.value;
    const res = await app.request('/big');
    const reader = res.body!.getReader();
    const answered = async () => (await metrics.httpRequests.get()).values.map((v) => [v.labels.status, v.value]);
    await reader.read();
    expect(await inFlight()).toBe(1);
    expect(await answered()).toEqual([]);
    while (!(await reader.read()).done) { /* the rest of the answer */ }
    expect(await inFlight()).toBe(0);
    expect(await answered()).toEqual([['200', 1]]);
  });
});

/** The Node response as settleOnClose sees it: close, its socket timeout (recorded), destroy. */
const outgoing = (destroyed: boolean) => {
  const out = Object.assign(new EventEmitter(), {
    destroyed, timeouts: [] as number[], onTimeout: undefined as (() => void) | undefined,
    setTimeout(ms: number, fn?: () => void) {
      out.timeouts.push(ms);
      if (fn) out.onTimeout = fn;
    },
    destroy() {
      out.destroyed = true;
      out.emit('close');
    },
  });
  return out;
};

describe('a streamed answer whose connection closed before it was sent', () => {

  it('is ended when the connection was already closed as the handler returned (the server never reads it)', async () => {
    const res = await scimStream(pieces(5));
    const seen = watch(res);
    settleOnClose(res, outgoing(true));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['client-left']);
  });

  it('is ended when the connection closes before the server took the body', async () => {
    const res = await scimStream(pieces(5));
    const seen = watch(res);
    const out = outgoing(false);
    settleOnClose(res, out);
    expect(seen).toEqual([]);
    out.emit('close');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['client-left']);
  });

  it('a body being written is left to the server: a close after it was sent changes nothing', async () => {
    const res = await scimStream(pieces(3));
    const seen = watch(res);
    const out = outgoing(false);
    settleOnClose(res, out);
    const reader = res.body!.getReader();
    while (!(await reader.read()).done) { /* sent */ }
    out.emit('close');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['sent']);
  });
});

describe('a client that stops reading a streamed answer', () => {
  it('has its connection closed after a silence of STREAM_STALL_MS, which ends the answer; a finished answer lifts the limit', async () => {
    const res = await scimStream(pieces(5));
    const seen = watch(res);
    const out = outgoing(false);
    settleOnClose(res, out);
    expect(out.timeouts).toEqual([STREAM_STALL_MS]);
    out.onTimeout!(); // the socket was silent that long: the server's reader has not taken the body here, so it is cancelled
    await new Promise((r) => setImmediate(r));
    expect(out.destroyed).toBe(true);
    expect(seen).toEqual(['client-left']);
    expect(out.timeouts).toEqual([STREAM_STALL_MS, 0]);
  });
});
