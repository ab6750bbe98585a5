/**
 * The organisation's Pass Type ID certificate, its private key and Apple's WWDR intermediate:
 * read from what an admin uploads (PEM, or the .p12 Keychain Access exports), checked, and
 * described by metadata the API may show (subject, expiry, fingerprint; never the key).
 *
 * Apple issues the certificate with the pass type identifier in the subject's UID and the team
 * identifier in its OU (Wallet Developer Guide, "Building Your First Pass" › "Requesting a
 * certificate"); both must match pass.json or Wallet rejects the pass.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export class PassCertificateError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'PassCertificateError';
  }
}

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER certificate, colon-separated hex (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint: string;
  /** From the subject's UID (0.9.2342.19200300.100.1.1); undefined for a certificate without one. */
  readonly passTypeIdentifier: string | undefined;
  /** From the subject's OU. */
  readonly teamIdentifier: string | undefined;
}

/** The signing material, in PEM, after every check passed. */
export interface PassSigningMaterial {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly wwdrPem: string;
}

export interface UploadedCertificate {
  /** PEM text, or base64 of PEM. */
  readonly certificatePem?: string;
  readonly privateKeyPem?: string;
  /** base64 of a PKCS#12 file holding the certificate and its key. */
  readonly p12Base64?: string;
  readonly p12Password?: string;
  readonly wwdrPem: string;
}

/** Accepts PEM text as is, or base64 of PEM (JSON bodies often carry files base64-encoded). */
function pemText(input: string, what: string): string {
  const t = input.trim();
  if (t.startsWith('-----BEGIN')) return t + '\n';
  const decoded = Buffer.from(t, 'base64').toString('utf8').trim();
  if (decoded.startsWith('-----BEGIN')) return decoded + '\n';
  throw new PassCertificateError('invalid_certificate', `${what} must be PEM (-----BEGIN …) or base64 of PEM`);
}

function x509(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new PassCertificateError('invalid_certificate', `${what} is not a readable X.509 certificate`);
  }
}

// PKCS#12 bag types (RFC 7292 §4.2).
const KEY_BAG = '1.2.840.113549.1.12.10.1.2', PLAIN_KEY_BAG = '1.2.840.113549.1.12.10.1.1', CERT_BAG = '1.2.840.113549.1.12.10.1.3';

function fromP12(b64: string, password: string): { certificatePem: string; privateKeyPem: string } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(b64.replace(/\s+/g, ''))), password);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new PassCertificateError('invalid_certificate', /password|MAC/i.test(msg) ? 'the .p12 password is wrong' : `the .p12 file cannot be read (${msg})`);
  }
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keyBag = bags(KEY_BAG)[0] ?? bags(PLAIN_KEY_BAG)[0];
  const certs = bags(CERT_BAG).flatMap((b) => (b.cert ? [b.cert] : []));
  if (!keyBag?.key || certs.length === 0) throw new PassCertificateError('invalid_certificate', 'the .p12 file must hold the pass certificate and its private key');
  const key = keyBag.key;
  // The pass certificate is the one whose public key belongs to the private key (a .p12 may carry the chain too).
  const rsaKey = key as forge.pki.rsa.PrivateKey;
  const cert = certs.find((c) => (c.publicKey as forge.pki.rsa.PublicKey).n?.equals(rsaKey.n)) ?? certs[0]!;
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: forge.pki.privateKeyToPem(key) };
}

/** Subject attribute by OID or short name, from Node's multi-line subject text. */
function subjectPart(subject: string, names: readonly string[]): string | undefined {
  for (const line of subject.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && names.includes(line.slice(0, i))) return line.slice(i + 1);
  }
  return undefined;
}

export function certificateInfo(pem: string): CertificateInfo {
  const c = x509(pem, 'the certificate');
  return {
    subject: c.subject.split('\n').join(', '), issuer: c.issuer.split('\n').join(', '),
    notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString(), fingerprint: c.fingerprint256,
    passTypeIdentifier: subjectPart(c.subject, ['UID', '0.9.2342.19200300.100.1.1', 'userId']), teamIdentifier: subjectPart(c.subject, ['OU']),
  };
}

/** Reads and checks an upload: the key belongs to the certificate, the WWDR certificate is a CA. */
export function readUpload(u: UploadedCertificate): PassSigningMaterial {
  let certificatePem: string, privateKeyPem: string;
  if (u.p12Base64) ({ certificatePem, privateKeyPem } = fromP12(u.p12Base64, u.p12Password ?? ''));
  else if (u.certificatePem && u.privateKeyPem) {
    certificatePem = pemText(u.certificatePem, 'certificate');
    privateKeyPem = pemText(u.privateKeyPem, 'privateKey');
  } else throw new PassCertificateError('invalid_body', 'send the pass certificate as certificate + privateKey (PEM), or as p12 (base64) with p12Password');
  const cert = x509(certificatePem, 'the pass certificate');
  let key;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new PassCertificateError('invalid_certificate', 'the private key is not a readable, unencrypted PEM key (export it without a passphrase, or upload the .p12)');
  }
  if (!cert.checkPrivateKey(key)) throw new PassCertificateError('invalid_certificate', 'the private key does not belong to the pass certificate');
  // forge signs with the key below; it reads PKCS#1 and PKCS#8 RSA keys only, which is what Apple issues.
  if (key.asymmetricKeyType !== 'rsa') throw new PassCertificateError('invalid_certificate', 'the pass certificate\'s key must be RSA, as Apple issues it');
  const wwdrPem = pemText(u.wwdrPem, 'wwdrCertificate');
  const wwdr = x509(wwdrPem, 'the WWDR certificate');
  if (!wwdr.ca) throw new PassCertificateError('invalid_certificate', 'the WWDR certificate is not a CA certificate: download Apple\'s "Worldwide Developer Relations" intermediate (G4)');
  // checkIssued compares names only; verify checks the WWDR key really signed the certificate.
  if (!cert.checkIssued(wwdr) || !cert.verify(wwdr.publicKey)) throw new PassCertificateError('invalid_certificate', 'the pass certificate was not issued by this WWDR certificate; download the WWDR intermediate named in the certificate\'s issuer');
  return { certificatePem: cert.toString(), privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), wwdrPem: wwdr.toString() };
}
