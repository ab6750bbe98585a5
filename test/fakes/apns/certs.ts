// Test PKI made at test time with node-forge (keys from Node's crypto): a CA standing in for
// Apple's WWDR intermediate, a Pass Type ID certificate issued by it (UID = pass type id, OU =
// team id, as Apple issues them), the fake APNs server's certificate, and a stranger's pass
// certificate from another CA that the fake must refuse at the TLS layer.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

export interface KeyAndCert {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface TestPki {
  /** The test CA (our "WWDR"), also the CA of the fake APNs server's certificate. */
  readonly ca: KeyAndCert;
  readonly pass: KeyAndCert;
  readonly apnsServer: KeyAndCert;
  /** A pass certificate from a CA the fake APNs does not trust. */
  readonly stranger: KeyAndCert;
  readonly passTypeIdentifier: string;
  readonly teamIdentifier: string;
  /** A directory with ca.pem (for MUSTER_APNS_CA_FILE and `openssl cms -verify -CAfile`). */
  readonly dir: string;
  readonly caFile: string;
  /** A .p12 (base64) of the pass certificate and key, password "secret", as Keychain Access exports one. */
  p12(password?: string): string;
}

type Attr = { name?: string; type?: string; shortName?: string; value: string };

function keyPair(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pem, forgeKey, pub: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function cert(opts: {
  subject: Attr[]; issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }; ca?: boolean;
  days?: number; extensions?: object[];
}): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey; pair: KeyAndCert } {
  const k = keyPair();
  const c = forge.pki.createCertificate();
  c.publicKey = k.pub;
  c.serialNumber = '01' + randomBytes(8).toString('hex');
  c.validity.notBefore = new Date(Date.now() - 3600_000);
  c.validity.notAfter = new Date(Date.now() + (opts.days ?? 365) * 86_400_000);
  c.setSubject(opts.subject);
  c.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : opts.subject);
  c.setExtensions([
    { name: 'basicConstraints', cA: opts.ca === true, critical: true },
    { name: 'keyUsage', critical: true, ...(opts.ca ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true, keyEncipherment: true }) },
    { name: 'subjectKeyIdentifier' },
    ...(opts.extensions ?? []),
  ]);
  c.sign(opts.issuer?.key ?? k.forgeKey, forge.md.sha256.create());
  return { cert: c, key: k.forgeKey, pair: { certificatePem: forge.pki.certificateToPem(c), privateKeyPem: k.pem } };
}

export function makeTestPki(opts: { passTypeIdentifier?: string; teamIdentifier?: string; passDays?: number } = {}): TestPki {
  const passTypeIdentifier = opts.passTypeIdentifier ?? 'pass.com.example.staff';
  const teamIdentifier = opts.teamIdentifier ?? 'TEAM123456';
  const ca = cert({ subject: [{ name: 'commonName', value: 'Muster Test WWDR CA' }, { shortName: 'OU', value: 'G4' }, { name: 'organizationName', value: 'Muster Tests' }], ca: true, days: 3650 });
  const issuer = { cert: ca.cert, key: ca.key };
  const passSubject = (type: string): Attr[] => [
    { type: '0.9.2342.19200300.100.1.1', value: type }, // UID: the pass type identifier
    { name: 'commonName', value: `Pass Type ID: ${type}` },
    { shortName: 'OU', value: teamIdentifier },
    { name: 'organizationName', value: 'Example Ltd' },
    { name: 'countryName', value: 'GB' },
  ];
  const clientAuth = [{ name: 'extKeyUsage', clientAuth: true }];
  const pass = cert({ subject: passSubject(passTypeIdentifier), issuer, days: opts.passDays ?? 365, extensions: clientAuth });
  const apnsServer = cert({
    subject: [{ name: 'commonName', value: 'api.push.apple.com (fake)' }], issuer,
    extensions: [{ name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
  });
  const otherCa = cert({ subject: [{ name: 'commonName', value: 'Someone Else CA' }], ca: true });
  const stranger = cert({ subject: passSubject(passTypeIdentifier), issuer: { cert: otherCa.cert, key: otherCa.key }, extensions: clientAuth });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-apns-'));
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, ca.pair.certificatePem);
  return {
    ca: ca.pair, pass: pass.pair, apnsServer: apnsServer.pair, stranger: stranger.pair, passTypeIdentifier, teamIdentifier, dir, caFile,
    p12(password = 'secret') {
      const asn1 = forge.pkcs12.toPkcs12Asn1(pass.key, [pass.cert, ca.cert], password, { algorithm: '3des' });
      return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
    },
  };
}
