import { createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { saveJwtClaims, saveUrl, SAVE_URL_BASE } from '../../../../src/credentials/google/save-link.js';
import { retryAfterMs } from '../../../../src/credentials/google/wallet-client.js';

describe('save links', () => {
  it('are RS256 JWTs with Google\'s documented claims, referencing the object by id', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { clientEmail: 'issuer@p.iam.gserviceaccount.com', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), privateKeyId: 'k1' };
    const url = saveUrl(key, { id: '33.a', classId: '33.c' }, 'https://muster.example');
    expect(url.startsWith(SAVE_URL_BASE)).toBe(true);
    const [h, p, s] = url.slice(SAVE_URL_BASE.length).split('.');
    expect(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    expect(claims).toEqual({ ...saveJwtClaims(key, { id: '33.a', classId: '33.c' }, 'https://muster.example', claims.iat) });
    expect(claims).toMatchObject({ aud: 'google', typ: 'savetowallet', origins: ['https://muster.example'], payload: { genericObjects: [{ id: '33.a', classId: '33.c' }] } });
  });
});

describe('Retry-After', () => {
  it('reads seconds (fractional too) and HTTP dates, and ignores junk', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
