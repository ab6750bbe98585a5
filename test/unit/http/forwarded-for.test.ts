/**
 * MUSTER_TRUST_PROXY: which X-Forwarded-For entry is the client's address, behind one proxy or a
 * chain of them (each appends the address it saw; what is left of the outermost proxy's entry was
 * written by the client).
 */
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { clientAddress, trustForwardedFor } from '../../../src/http/auth-routes.js';

function appTrusting(hops: number): Hono {
  const app = new Hono();
  app.use('*', trustForwardedFor(hops));
  app.get('/', (c) => c.text(clientAddress(c)));
  return app;
}
const addressSeen = async (app: Hono, xff?: string) => (await app.request('/', { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } })).text();

describe('the client\'s address behind trusted proxies', () => {
  it('one proxy (true): the last entry; two chained (2): the one the outer proxy appended', async () => {
    expect(await addressSeen(appTrusting(1), '10.9.9.9, 203.0.113.7')).toBe('203.0.113.7');
    // Client → CDN (appends 203.0.113.7) → nginx (appends the CDN's 198.51.100.2) → Muster.
    expect(await addressSeen(appTrusting(2), '10.9.9.9, 203.0.113.7, 198.51.100.2')).toBe('203.0.113.7');
    expect(await addressSeen(appTrusting(2), '203.0.113.7, 198.51.100.2')).toBe('203.0.113.7');
    // A header shorter than the chain: its leftmost entry, never nothing.
    expect(await addressSeen(appTrusting(3), '198.51.100.2')).toBe('198.51.100.2');
    // Off: the header is the client's to write, and is ignored.
    expect(await addressSeen(appTrusting(0), '203.0.113.7')).toBe('unknown');
  });

  it('whatever a client writes in front, the address is the entry the trusted proxies appended (property)', async () => {
    const address = fc.ipV4();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.array(fc.string({ maxLength: 20 }).filter((s) => !s.includes(',')), { maxLength: 5 }), fc.array(address, { minLength: 10, maxLength: 10 }),
      async (hops, forged, appended) => {
        const chain = appended.slice(0, hops);
        const header = [...forged, ...chain].join(', ');
        expect(await addressSeen(appTrusting(hops), header)).toBe(chain[0]);
      }));
  });

  it('MUSTER_TRUST_PROXY takes true, false or a number of proxies from 1 to 10', () => {
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ MUSTER_TRUST_PROXY: 'true' })).toMatchObject({ trustProxy: true, trustProxyHops: 1 });
    expect(loadConfig({ MUSTER_TRUST_PROXY: '2' })).toMatchObject({ trustProxy: true, trustProxyHops: 2 });
    expect(loadConfig({ MUSTER_TRUST_PROXY: 'false' })).toMatchObject({ trustProxy: false, trustProxyHops: 0 });
    for (const bad of ['0', '11', 'yes', '1.5', ' 2']) expect(() => loadConfig({ MUSTER_TRUST_PROXY: bad }), bad).toThrow(/MUSTER_TRUST_PROXY must be true, false or the number of proxies/);
  });
});
