/**
 * "Save to Google Wallet" links: `https://pay.google.com/gp/v/save/{jwt}`, the JWT signed RS256
 * with the issuer's service account key (developers.google.com/wallet/generic/web and
 * developers.google.com/wallet/reference/rest/v1/Jwt). The object was inserted through the REST
 * API beforehand, so the payload references it by id and class id only: the link stays short
 * and carries no personal data, and the object's state at Google stays the one source of truth.
 */
import { createSign } from 'node:crypto';
import type { ServiceAccountKey } from './service-account-key.js';

export const SAVE_URL_BASE = 'https://pay.google.com/gp/v/save/';

export interface SaveJwtClaims {
  /** The service account's email address (Jwt reference: "Your Google Cloud service account generated email address"). */
  readonly iss: string;
  /** Always "google" for Google Wallet API objects (Jwt reference). */
  readonly aud: 'google';
  /** Always "savetowallet" (Jwt reference). */
  readonly typ: 'savetowallet';
  /** Issued at, seconds since the epoch (Jwt reference). */
  readonly iat: number;
  /**
   * Domains allowed to offer this JWT's save button (Jwt reference: the button does not render
   * without them). A plain link works from anywhere; Muster lists its own origin.
   */
  readonly origins: readonly string[];
  /** What to save: here one generic object, by reference (id and classId of an inserted object). */
  readonly payload: { readonly genericObjects: ReadonlyArray<{ readonly id: string; readonly classId: string }> };
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** Signs claims as a compact JWS: RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3), `kid` = the key's private_key_id. */
export function signJwt(claims: object, key: Pick<ServiceAccountKey, 'privateKey' | 'privateKeyId'>): string {
  const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.privateKeyId }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey);
  return `${input}.${b64url(signature)}`;
}

export function saveJwtClaims(key: Pick<ServiceAccountKey, 'clientEmail'>, object: { id: string; classId: string }, origin: string, nowS = Math.floor(Date.now() / 1000)): SaveJwtClaims {
  return { iss: key.clientEmail, aud: 'google', typ: 'savetowallet', iat: nowS, origins: [origin], payload: { genericObjects: [{ id: object.id, classId: object.classId }] } };
}

/** The link a holder opens (or the web app turns into the "Add to Google Wallet" button). */
export function saveUrl(key: Pick<ServiceAccountKey, 'clientEmail' | 'privateKey' | 'privateKeyId'>, object: { id: string; classId: string }, origin: string): string {
  return SAVE_URL_BASE + signJwt(saveJwtClaims(key, object, origin), key);
}
