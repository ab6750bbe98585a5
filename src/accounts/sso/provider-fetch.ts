/**
 * The requests Muster makes to an organisation's OpenID Connect provider (discovery, JWKS, token
 * and userinfo endpoints), through an address policy (events/address-policy.ts) as webhooks are.
 * An organisation's owner names the issuer: without a check, an owner could make Muster send
 * requests to its database, a cloud metadata service (169.254.169.254) or anything else on the
 * node's private network. Every address is checked at connect time, after DNS resolution, and
 * redirects are not followed (openid-client asks for `redirect: 'manual'`).
 *
 * openid-client's `customFetch` (https://github.com/panva/openid-client, "customFetch") is given
 * this instead of the global fetch, which has no hook for the address it connects to.
 */
import http from 'node:http';
import https from 'node:https';
import type { CustomFetch } from 'openid-client';
import type { AddressPolicy } from '../../events/address-policy.js';

/** The most of a provider's answer read (a discovery document or key set is a few KB). */
export const MAX_PROVIDER_ANSWER_BYTES = 1024 * 1024;

async function bodyBytes(body: Parameters<CustomFetch>[1]['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}

/** A fetch for openid-client that connects only where `policy` allows. */
export function providerFetch(policy: AddressPolicy): CustomFetch {
  return async (target, options) => {
    const url = new URL(target);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${url.protocol} is not http or https`);
    // An IP literal never goes through `lookup`: checked here.
    policy.checkLiteral(url.hostname);
    const body = await bodyBytes(options.body);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = mod.request(url, {
        method: options.method, lookup: policy.lookup(), signal: options.signal,
        headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_PROVIDER_ANSWER_BYTES) {
            res.destroy(new Error(`the provider's answer is larger than ${MAX_PROVIDER_ANSWER_BYTES / 1024} KB`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const x of v) headers.append(k, x);
            else if (v !== undefined) headers.set(k, v);
          }
          const status = res.statusCode ?? 502;
          // A Response cannot carry a body with these statuses.
          const empty = status === 204 || status === 205 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}
