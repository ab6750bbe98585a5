/**
 * Bulk requests take turns by organisation (BULK_TURNS, src/http/scim-routes.ts): a few run at once
 * per organisation on a node, the next wait in order, and past that 429 with Retry-After; another
 * organisation's Bulk is not held. A request is held deterministically by sending its body in part:
 * in its turn it waits for the rest of its body.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BULK_TURNS } from '../src/http/scim-routes.js';
import { startServer, type TestList, type TestServer } from './helpers/server.js';

const saved = { ...BULK_TURNS };
let srv: TestServer;
beforeEach(() => {
  BULK_TURNS.runningPerOrg = 1;
  BULK_TURNS.waitingPerOrg = 1;
});
afterEach(async () => {
  Object.assign(BULK_TURNS, saved);
  await srv?.close();
});

const bulkBody = (userName: string) => JSON.stringify({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
  Operations: [{ method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName } }],
});

/** A Bulk POST over a socket of its own, its body sent but for its last byte; `finish` sends it and resolves with the status. */
async function heldBulk(list: TestList, userName: string): Promise<{ finish: () => Promise<number> }> {
  const url = new URL(`${list.base}/Bulk`);
  const body = Buffer.from(bulkBody(userName));
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((r) => socket.once('connect', r));
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  const ended = new Promise((r) => socket.once('end', r));
  socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${list.token}\r\nContent-Type: application/scim+json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  socket.write(body.subarray(0, body.length - 1));
  return {
    finish: async () => {
      socket.write(body.subarray(body.length - 1));
      await ended;
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
    },
  };
}

describe('Bulk requests take turns by organisation', () => {
  it('runs one organisation\'s Bulk requests a few at a time, queues the next, refuses past that with 429, and does not hold another organisation', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Staff' });
    const other = await srv.newList({ name: 'Elsewhere', org: 'Another organisation' });
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const turns = srv.muster.bulkTurns;
    const first = await heldBulk(list, 'ada@example.org');
    // The first is in its turn (reading its body); the second waits for it.
    while (turns.load(org.id).running < 1) await new Promise((r) => setTimeout(r, 10));
    const second = await heldBulk(list, 'grace@example.org');
    while (turns.load(org.id).waiting < 1) await new Promise((r) => setTimeout(r, 10));
    const refused = await list.req('POST', '/Bulk', bulkBody('edsger@example.org'));
    expect(refused.status, refused.text).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(BULK_TURNS.retryAfterSeconds));
    expect(refused.body).toMatchObject({ status: '429', detail: expect.stringMatching(/already has 1 Bulk requests running and 1 waiting on this server; try again in 2 s/) });
    // Another organisation's Bulk runs at once.
    const elsewhere = await other.req('POST', '/Bulk', bulkBody('barbara@example.org'));
    expect(elsewhere.status, elsewhere.text).toBe(200);
    // Each in its turn: the first, then the second.
    expect(await first.finish()).toBe(200);
    expect(await second.finish()).toBe(200);
    const names = (await list.req('GET', '/Users?count=100')).body.Resources.map((u: { userName: string }) => u.userName).sort();
    expect(names).toEqual(['ada@example.org', 'grace@example.org']);
    // Turns freed: the list's next Bulk runs.
    expect((await list.req('POST', '/Bulk', bulkBody('katherine@example.org'))).status).toBe(200);
  });

  it('does not run a waiting Bulk request whose client left before its turn, even with its whole body sent', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Staff' });
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const turns = srv.muster.bulkTurns;
    const first = await heldBulk(list, 'ada@example.org');
    while (turns.load(org.id).running < 1) await new Promise((r) => setTimeout(r, 10));
    // The second sends all of its request, waits for its turn, and gives up (an IdP's timeout).
    const url = new URL(`${list.base}/Bulk`);
    const body = Buffer.from(bulkBody('grace@example.org'));
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${list.token}\r\nContent-Type: application/scim+json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body);
    while (turns.load(org.id).waiting < 1) await new Promise((r) => setTimeout(r, 10));
    const closed = new Promise((r) => socket.once('close', r));
    socket.destroy();
    await closed;
    expect(await first.finish()).toBe(200);
    // Its turn came and went: nothing of it ran, and the turns are free.
    while (turns.load(org.id).running + turns.load(org.id).waiting > 0) await new Promise((r) => setTimeout(r, 10));
    const names = (await list.req('GET', '/Users?count=100')).body.Resources.map((u: { userName: string }) => u.userName);
    expect(names).toEqual(['ada@example.org']);
    expect((await list.req('POST', '/Bulk', bulkBody('katherine@example.org'))).status).toBe(200);
  });
});
