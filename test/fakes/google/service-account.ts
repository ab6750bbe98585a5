// Service accounts for the fake: an RSA key pair made at test time (node:crypto), and the key
// file Google Cloud would download for it (developers.google.com/iam/docs/keys-create-delete:
// type, project_id, private_key_id, private_key, client_email, client_id, auth_uri, token_uri…).
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export interface ServiceAccount {
  readonly clientEmail: string;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** The key file's JSON, as an admin uploads it to Muster. */
  readonly keyFile: Readonly<Record<string, string>>;
}

export function createServiceAccount(opts: { project?: string; name?: string; tokenUri?: string } = {}): ServiceAccount {
  const project = opts.project ?? 'muster-wallet-test';
  const clientEmail = `${opts.name ?? 'wallet-issuer'}@${project}.iam.gserviceaccount.com`;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomBytes(20).toString('hex');
  return {
    clientEmail, keyId, publicKey,
    keyFile: {
      type: 'service_account', project_id: project, private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail, client_id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth', token_uri: opts.tokenUri ?? 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
      universe_domain: 'googleapis.com',
    },
  };
}
