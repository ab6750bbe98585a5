// The fake APNs behaves as Apple documents it, seen through Muster's own APNs client.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApnsClient } from '../../../src/credentials/apple/apns-client.js';
import { makeTestPki, type TestPki } from './certs.js';
import { startFakeApns, type FakeApns } from './index.js';

let pki: TestPki;
let apns: FakeApns;
let client: ApnsClient;
const token = (n: number) => n.toString(16).padStart(64, '0');

// The certificates are only read, never changed by a test: made once.
beforeAll(() => {
  pki = makeTestPki();
});
// Each test has its own fake (devices, injected faults, recorded requests) and its own client.
beforeEach(async () => {
  apns = await startFakeApns(pki);
  client = new ApnsClient({ baseUrl: apns.url, ca: pki.ca.certificatePem, timeoutMs: 5000 });
  apns.addDevice(token(1), pki.passTypeIdentifier);
});
afterEach(async () => {
  client?.close();
  await apns?.close();
});

describe('fake APNs', () => {
  it('delivers an empty push over HTTP/2 to a known token for the certificate\'s topic: 200 with apns-id', async () => {
    const o = await client.push(pki.pass, pki.passTypeIdentifier, token(1));
    expect(o).toMatchObject({ kind: 'sent', apnsId: expect.stringMatching(/^[0-9A-F-]{36}$/) });
    expect(apns.delivered(token(1)).at(-1)).toMatchObject({ method: 'POST', path: `/3/device/${token(1)}`, topic: 'pass.com.example.staff', body: '{}', clientTopic: 'pass.com.example.staff' });
  });

  it('answers 400 BadDeviceToken, 400 TopicDisallowed and 410 Unregistered with a timestamp', async () => {
    expect(await client.push(pki.pass, pki.passTypeIdentifier, token(99))).toMatchObject({ kind: 'invalid-token', status: 400, reason: 'BadDeviceToken' });
    expect(await client.push(pki.pass, 'pass.com.other', token(1))).toMatchObject({ kind: 'failed', status: 400, reason: 'TopicDisallowed' });
    apns.addDevice(token(2), pki.passTypeIdentifier);
    apns.unregister(token(2), Date.parse('2026-01-02T03:04:05Z'));
    expect(await client.push(pki.pass, pki.passTypeIdentifier, token(2))).toMatchObject({ kind: 'invalid-token', status: 410, reason: 'Unregistered', since: '2026-01-02T03:04:05.000Z' });
  });

  it('throttles and fails on demand: 429 TooManyRequests and 503 ServiceUnavailable are retryable', async () => {
    apns.inject({ status: 429 });
    apns.inject({ status: 503, token: token(1) });
    expect(await client.push(pki.pass, pki.passTypeIdentifier, token(1))).toMatchObject({ kind: 'retry', status: 429, reason: 'TooManyRequests' });
    expect(await client.push(pki.pass, pki.passTypeIdentifier, token(1))).toMatchObject({ kind: 'retry', status: 503, reason: 'ServiceUnavailable' });
    expect(await client.push(pki.pass, pki.passTypeIdentifier, token(1))).toMatchObject({ kind: 'sent' });
  });

  it('refuses, in the TLS handshake, a client certificate its CA did not issue, and a client with none', async () => {
    const before = apns.refusedHandshakes;
    const stranger = new ApnsClient({ baseUrl: apns.url, ca: pki.ca.certificatePem, timeoutMs: 5000 });
    expect(await stranger.push(pki.stranger, pki.passTypeIdentifier, token(1))).toMatchObject({ kind: 'retry', status: 0 });
    stranger.close();
    const count = apns.received.length;
    const anonymous = await fetch(apns.url).then(() => 'answered', () => 'refused');
    expect(anonymous).toBe('refused');
    expect(apns.received.length).toBe(count);
    expect(apns.refusedHandshakes).toBeGreaterThan(before);
  });

  it('answers 405 to a method other than POST', async () => {
    const { connect } = await import('node:http2');
    const s = connect(apns.url, { cert: pki.pass.certificatePem, key: pki.pass.privateKeyPem, ca: pki.ca.certificatePem });
    // The answer is read to its end: a stream whose body is left unread never closes, and neither
    // would the session (close() waits for its streams), keeping a connection to the fake open.
    const status = await new Promise<number>((resolve, reject) => {
      const req = s.request({ ':method': 'GET', ':path': `/3/device/${token(1)}`, 'apns-topic': pki.passTypeIdentifier });
      let code = 0;
      req.on('response', (h) => { code = Number(h[':status']); });
      req.on('data', () => undefined);
      req.on('end', () => resolve(code));
      req.on('error', reject);
      req.end();
    });
    await new Promise<void>((resolve) => s.close(() => resolve()));
    expect(status).toBe(405);
  });
});
