/**
 * The fetch openid-client is given for an organisation's provider (src/accounts/sso/provider-fetch.ts):
 * it connects only where the operator's address policy allows, follows no redirect, and reads a
 * bounded answer, against a real HTTP server on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressPolicy, AddressRefused } from '../../../../src/events/address-policy.js';
import { MAX_PROVIDER_ANSWER_BYTES, providerFetch } from '../../../../src/accounts/sso/provider-fetch.js';

const SSO = { what: 'single sign-on', variable: 'MUSTER_OIDC_ALLOWED_CIDRS' };
let server: http.Server | undefined;
const seen: { method: string; url: string; body: string; type: string | undefined }[] = [];

async function provider(handler: http.RequestListener): Promise<number> {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, type: req.headers['content-type'] });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  seen.length = 0;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

const opts = (o: Partial<Parameters<ReturnType<typeof providerFetch>>[1]> = {}) => ({ method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual' as const, body: undefined, ...o });

describe('the fetch for an organisation\'s provider', () => {
  it('refuses a loopback provider under the default policy, before any request is sent', async () => {
    const port = await provider((_req, res) => res.end('{}'));
    const f = providerFetch(new AddressPolicy({ allowPrivate: false, allowedCidrs: [] }, SSO));
    await expect(f(`http://127.0.0.1:${port}/.well-known/openid-configuration`, opts())).rejects.toBeInstanceOf(AddressRefused);
    await expect(f(`http://localhost:${port}/.well-known/openid-configuration`, opts())).rejects.toThrow(/single sign-on may not reach it unless the operator allows it \(MUSTER_OIDC_ALLOWED_CIDRS\)/);
    expect(seen).toEqual([]);
  });

  it('reaches an allowed range: status, headers and body as sent, a form body as sent, and no redirect followed', async () => {
    const port = await provider((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: 'http://169.254.169.254/' });
        res.end();
        return;
      }
      res.writeHead(req.method === 'POST' ? 400 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ issuer: `http://127.0.0.1:${port}`, method: req.method }));
    });
    const f = providerFetch(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] }, SSO));
    const got = await f(`http://127.0.0.1:${port}/.well-known/openid-configuration`, opts());
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/json');
    expect(await got.json()).toEqual({ issuer: `http://127.0.0.1:${port}`, method: 'GET' });
    const posted = await f(`http://127.0.0.1:${port}/token`, opts({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: 'a b' }) }));
    expect(posted.status).toBe(400);
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/token', body: 'grant_type=authorization_code&code=a+b', type: 'application/x-www-form-urlencoded' });
    const moved = await f(`http://127.0.0.1:${port}/moved`, opts());
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('http://169.254.169.254/');
    expect(seen.map((s) => s.url)).toEqual(['/.well-known/openid-configuration', '/token', '/moved']);
  });

  it('stops reading an answer larger than it ever needs', async () => {
    const port = await provider((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.alloc(MAX_PROVIDER_ANSWER_BYTES + 1, 0x20));
    });
    const f = providerFetch(new AddressPolicy({ allowPrivate: true, allowedCidrs: [] }, SSO));
    await expect(f(`http://127.0.0.1:${port}/jwks`, opts())).rejects.toThrow(/larger than 1024 KB/);
  });
});
