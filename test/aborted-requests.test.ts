/**
 * Issue 12, defect 7: a client that disconnects mid-request is not a failure of the write. It
 * leaves no `provisioning.failed` event (anyone with a token could otherwise fill the
 * tamper-evident trail), no "unhandled" 500 in the log, and the chain verifies. Raw sockets,
 * because fetch cannot send a Content-Length and then hang up halfway.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/log.js';
import { PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let adminKey: string;
interface Line { level: string; msg: string; fields: Record<string, unknown> }
const logged: Line[] = [];

beforeAll(async () => {
  srv = await startServer();
  // The server's own logger, observed: the lines an operator reads.
  const log = srv.muster.log as { -readonly [K in keyof Logger]: Logger[K] };
  for (const level of ['info', 'warn', 'error'] as const) {
    const orig = log[level].bind(log);
    log[level] = (msg, fields) => {
      logged.push({ level, msg, fields: fields ?? {} });
      orig(msg, fields);
    };
  }
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  adminKey = await srv.adminKey(org.id);
});
afterAll(() => srv.close());

/** Sends the head and the first `sentBytes` of a body declared whole, waits `pauseMs`, then destroys the socket. */
function sendAndHangUp(url: string, method: string, headers: Record<string, string>, body: string, sentBytes: number, pauseMs = 50): Promise<void> {
  const u = new URL(url);
  const head = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`${head}\r\n\r\n${body.slice(0, sentBytes)}`, () => {
        // The bytes are in the kernel; a short pause lets the server start reading them (a
        // shorter one only moves the abort earlier, which is the same case).
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, pauseMs);
      });
    });
    socket.on('error', reject);
  });
}

/** Waits until the server logged a line for the request (bounded; no wall-clock assertion). */
async function lineFor(requestId: string, msg: string): Promise<Line> {
  for (let i = 0; i < 500; i++) {
    const hit = logged.find((l) => l.fields.requestId === requestId && l.msg === msg);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${msg}" line for ${requestId}; logged: ${JSON.stringify(logged.filter((l) => l.fields.requestId === requestId))}`);
}

async function failedEvents(list: TestList): Promise<number> {
  const r = await fetch(`${srv.origin}/api/v1/lists/${list.id}/audit/events?action=provisioning.failed&limit=1000`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { events: unknown[] }).events.length;
}

const scimHeaders = (list: TestList, requestId: string) => ({ authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json', 'x-request-id': requestId });

describe('a client that disconnects mid-request', () => {
  it('POST and PATCH bodies cut off: logged as aborts (499 in the request log), no audit event, no person, the chain verifies', async () => {
    const list = await srv.newList({ name: 'Cut off' });
    const created = await list.req('POST', '/Users', user('kept@example.com'));
    expect(created.status).toBe(201);
    const eventsBefore = (await srv.muster.store.audit.chain(list.id, false))!.headSeq;

    const post = randomUUID();
    const postBody = JSON.stringify(user('cut@example.com'));
    await sendAndHangUp(`${list.base}/Users`, 'POST', scimHeaders(list, post), postBody, 20);
    const patch = randomUUID();
    const patchBody = JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await sendAndHangUp(`${list.base}/Users/${created.body.id}`, 'PATCH', scimHeaders(list, patch), patchBody, patchBody.length - 5);

    for (const id of [post, patch]) {
      const line = await lineFor(id, 'scim request aborted by the client');
      expect(line).toMatchObject({ level: 'info', fields: { status: 499, aborted: true } });
    }
    const requestIds = new Set<string>([post, patch]);
    expect(logged.filter((l) => requestIds.has(l.fields.requestId as string) && l.level !== 'info')).toEqual([]);
    expect(logged.filter((l) => l.msg === 'unhandled error')).toEqual([]);

    expect(await failedEvents(list)).toBe(0);
    expect((await srv.muster.store.audit.chain(list.id, false))!.headSeq).toBe(eventsBefore);
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
    expect((await list.req('GET', '/Users?filter=userName eq "cut@example.com"')).body.totalResults).toBe(0);
    expect((await list.req('GET', `/Users/${created.body.id}`)).body.active).toBe(true);

    await srv.muster.requestLog.flush();
    const log = await fetch(`${srv.origin}/api/v1/lists/${list.id}/request-log?requestId=${post}`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(((await log.json()) as { requests: { status: number }[] }).requests.map((r) => r.status)).toEqual([499]);
  });

  it('a client gone while its write is worked: the write stands with its own events, and no provisioning.failed', async () => {
    const list = await srv.newList({ name: 'In flight' });
    // The whole body is sent and the socket closed at once: TCP delivers every byte before the
    // close, and a Bulk of 200 creates is still being worked when the server sees the close.
    const ops = Array.from({ length: 200 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: user(`flight${i}@example.com`) }));
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops });
    const id = randomUUID();
    await sendAndHangUp(`${list.base}/Bulk`, 'POST', scimHeaders(list, id), body, body.length, 0);
    const line = await lineFor(id, 'scim request aborted by the client');
    expect(line.fields).toMatchObject({ status: 200, aborted: true });
    expect(logged.filter((l) => l.fields.requestId === id && l.level !== 'info')).toEqual([]);
    expect(await failedEvents(list)).toBe(0);
    expect((await list.req('GET', '/Users?count=1')).body.totalResults).toBe(200);
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
  });

  it('an admin API upload cut off (CSV import) is logged as an abort, not as an error', async () => {
    const r = await fetch(`${srv.origin}/api/v1/lists`, {
      method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'CSV', uidAttribute: 'employeeNumber', syncMethod: 'none' }),
    });
    const listId = ((await r.json()) as { list: { id: string } }).list.id;
    const before = logged.length;
    const csv = `employeeNumber,userName\n${Array.from({ length: 100 }, (_, i) => `${i},p${i}@example.com`).join('\n')}\n`;
    await sendAndHangUp(`${srv.origin}/api/v1/lists/${listId}/import`, 'POST', { authorization: `Bearer ${adminKey}`, 'content-type': 'text/csv' }, csv, 100);
    for (let i = 0; i < 500 && !logged.slice(before).some((l) => l.msg === 'admin request aborted by the client'); i++) await new Promise((res) => setTimeout(res, 50));
    expect(logged.slice(before).map((l) => l.msg)).toEqual(['admin request aborted by the client']);
    expect(await srv.muster.audit.verify(srv.muster.store, listId)).toMatchObject({ ok: true });
  });
});
