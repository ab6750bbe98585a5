/**
 * A Google Cloud service account key file (the JSON "Create key → JSON" downloads), as Google
 * documents it: developers.google.com/identity/protocols/oauth2/service-account#creatingcredentials.
 * Only the fields Muster uses are read; the file is stored whole, sealed, and never returned.
 */
import { createPrivateKey } from 'node:crypto';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface ServiceAccountKey {
  readonly clientEmail: string;
  /** PKCS#8 PEM. */
  readonly privateKey: string;
  /** The key's id at Google: the `kid` of the JWTs it signs. */
  readonly privateKeyId: string;
  readonly tokenUri: string;
  readonly projectId: string | null;
}

export class ServiceAccountKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceAccountKeyError';
  }
}

/** Reads a key from its JSON text or parsed object; throws ServiceAccountKeyError saying what is wrong. */
export function parseServiceAccountKey(input: unknown): ServiceAccountKey {
  let k: unknown = input;
  if (typeof input === 'string') {
    try {
      k = JSON.parse(input);
    } catch {
      throw new ServiceAccountKeyError('serviceAccountKey is not JSON: upload the key file Google Cloud downloads (IAM → Service accounts → Keys → Add key → JSON)');
    }
  }
  if (typeof k !== 'object' || k === null || Array.isArray(k)) throw new ServiceAccountKeyError('serviceAccountKey must be the key file\'s JSON object');
  const o = k as Record<string, unknown>;
  if (o.type !== 'service_account') throw new ServiceAccountKeyError('serviceAccountKey must be a service account key ("type": "service_account")');
  const str = (name: string) => (typeof o[name] === 'string' && (o[name] as string).trim() ? (o[name] as string).trim() : undefined);
  const clientEmail = str('client_email'), privateKey = str('private_key'), privateKeyId = str('private_key_id');
  if (!clientEmail || !/^[^@\s]+@[^@\s]+$/.test(clientEmail)) throw new ServiceAccountKeyError('serviceAccountKey has no client_email');
  if (!privateKey) throw new ServiceAccountKeyError('serviceAccountKey has no private_key');
  if (!privateKeyId) throw new ServiceAccountKeyError('serviceAccountKey has no private_key_id');
  try {
    const key = createPrivateKey(privateKey);
    // Google's token endpoint and the save JWT accept RS256 only.
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new ServiceAccountKeyError('serviceAccountKey.private_key is not an RSA private key in PEM');
  }
  return { clientEmail, privateKey: `${privateKey.trim()}\n`, privateKeyId, tokenUri: str('token_uri') ?? GOOGLE_TOKEN_URL, projectId: str('project_id') ?? null };
}
