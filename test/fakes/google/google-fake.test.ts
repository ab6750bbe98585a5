// The Google fake answers as Google documents: a JWT-bearer token endpoint that checks the
// assertion's signature and claims, and Wallet REST resources with Google's error shapes. Each
// test has a fake of its own: it keeps the classes and objects it was sent.
import { createSign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GoogleAccessTokens } from '../../../src/credentials/google/access-tokens.js';
import { parseServiceAccountKey } from '../../../src/credentials/google/service-account-key.js';
import { createServiceAccount, startGoogleFake, WALLET_SCOPE, type GoogleFake, type ServiceAccount } from './index.js';

let google: GoogleFake;
beforeEach(async () => {
  google = await startGoogleFake();
});
afterEach(() => google.close());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function assertion(sa: ServiceAccount, claims: Record<string, unknown> = {}, signer = sa): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: sa.clientEmail, scope: WALLET_SCOPE, aud: 'https://oauth2.googleapis.com/token', iat: now, exp: now + 3600, ...claims })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(signer.keyFile.private_key!).toString('base64url')}`;
}
const token = (form: Record<string, string>) => fetch(google.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
  .then(async (r) => ({ status: r.status, body: await r.json() as Record<string, unknown> }));
const grant = (a: string) => token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: a });
const wallet = (method: string, path: string, bearer: string | undefined, body?: unknown) => fetch(`${google.apiUrl}${path}`, {
  method, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
}).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() as Record<string, { code: number; status: string; message: string }> }));

describe('the OAuth token endpoint', () => {
  it('issues an expiring Bearer token for a well-signed assertion, as google-auth-library asks for it', async () => {
    const ok = await grant(assertion(google.account));
    expect(ok).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: expect.stringMatching(/^ya29\./) } });
    const viaLibrary = await new GoogleAccessTokens().token(parseServiceAccountKey(google.account.keyFile), google.tokenUrl);
    expect(viaLibrary).toMatch(/^ya29\./);
  });

  it('refuses what Google refuses, with RFC 6749 error bodies', async () => {
    expect((await token({ grant_type: 'client_credentials' })).body).toEqual({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type: client_credentials' });
    const stranger = createServiceAccount({ name: 'stranger' });
    expect((await grant(assertion(stranger))).body).toEqual({ error: 'invalid_grant', error_description: 'Invalid grant: account not found' });
    expect((await grant(assertion(google.account, {}, stranger))).body).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    expect((await grant(assertion(google.account, { aud: 'google' }))).body.error_description).toMatch(/Failed audience check/);
    expect((await grant(assertion(google.account, { exp: Math.floor(Date.now() / 1000) + 7200 }))).body.error_description).toMatch(/short-lived token/);
    expect((await grant(assertion(google.account, { iat: 1_000_000, exp: 1_003_600 }))).status).toBe(400);
    expect((await grant(assertion(google.account, { scope: '' }))).body.error).toBe('invalid_scope');
  });
});

describe('the Wallet API', () => {
  let bearer: string;
  const issuer = () => google.issuerId;
  beforeEach(async () => {
    bearer = (await grant(assertion(google.account))).body.access_token as string;
  });

  it('answers 401 UNAUTHENTICATED without a live token, and after tokens expire', async () => {
    const r = await wallet('GET', `/genericClass/${issuer()}.x`, undefined);
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const other = google.addAccount([]);
    const t = (await grant(assertion(other))).body.access_token as string;
    expect((await wallet('GET', `/genericClass/${issuer()}.x`, t)).body.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
  });

  it('classes and objects: 404 NOT_FOUND, insert, 409 ALREADY_EXISTS, required fields, patch semantics', async () => {
    const classId = `${issuer()}.fake-test`, objectId = `${issuer()}.obj-1`;
    expect((await wallet('GET', `/genericClass/${classId}`, bearer)).body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect((await wallet('POST', '/genericClass', bearer, { id: classId })).status).toBe(200);
    expect((await wallet('POST', '/genericClass', bearer, { id: classId })).body.error).toMatchObject({ code: 409, status: 'ALREADY_EXISTS' });
    expect((await wallet('POST', '/genericClass', bearer, { id: 'not an id' })).body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    const obj = { id: objectId, classId, cardTitle: { defaultValue: { language: 'en', value: 'Org' } }, header: { defaultValue: { language: 'en', value: 'Ada' } }, barcode: { type: 'QR_CODE', value: 'https://x/v/1' } };
    const { header: _h, ...noHeader } = obj;
    expect((await wallet('POST', '/genericObject', bearer, noHeader)).body.error).toMatchObject({ code: 400, message: 'Missing required field: header.' });
    expect((await wallet('POST', '/genericObject', bearer, { ...obj, classId: `${issuer()}.nope` })).body.error).toMatchObject({ code: 404 });
    expect((await wallet('POST', '/genericObject', bearer, obj)).body).toMatchObject({ id: objectId, state: 'ACTIVE', hasUsers: false });
    expect((await wallet('POST', '/genericObject', bearer, obj)).status).toBe(409);
    const patched = await wallet('PATCH', `/genericObject/${objectId}`, bearer, { state: 'EXPIRED' });
    expect(patched.body).toMatchObject({ state: 'EXPIRED', header: obj.header });
    expect((await wallet('PATCH', `/genericObject/${objectId}`, bearer, { state: 'GONE' })).status).toBe(400);
    expect((await wallet('PATCH', `/genericObject/${issuer()}.missing`, bearer, { state: 'EXPIRED' })).status).toBe(404);
  });

  it('injects 429 with Retry-After and 503, then recovers', async () => {
    expect((await wallet('POST', '/genericClass', bearer, { id: `${issuer()}.fake-test` })).status).toBe(200);
    google.inject({ target: 'genericClass', method: 'GET', status: 429, retryAfter: '2' });
    google.inject({ target: '*', status: 503, afterRequests: 1 });
    const a = await wallet('GET', `/genericClass/${issuer()}.fake-test`, bearer);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(a.body.error?.status).toBe('RESOURCE_EXHAUSTED');
    expect((await wallet('GET', `/genericClass/${issuer()}.fake-test`, bearer)).body.error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    expect((await wallet('GET', `/genericClass/${issuer()}.fake-test`, bearer)).status).toBe(200);
  });
});
