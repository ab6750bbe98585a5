/**
 * The `signature` file of a pass: a detached PKCS#7 (CMS SignedData) signature of manifest.json
 * made with the Pass Type ID certificate, carrying that certificate and Apple's WWDR intermediate,
 * and a signing time (Wallet Developer Guide, "Building Your First Pass" › "Signing and
 * Compressing the Pass"; Apple's signpass does the same with `openssl smime -sign -binary
 * -certfile WWDR.pem -outform DER`). Made with node-forge: Node's crypto has no CMS.
 */
import forge from 'node-forge';
import type { PassSigningMaterial } from './pass-certificate.js';

export function signManifest(manifest: Buffer, m: PassSigningMaterial, signingTime = new Date()): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(manifest.toString('binary'));
  const cert = forge.pki.certificateFromPem(m.certificatePem);
  p7.addCertificate(cert);
  p7.addCertificate(forge.pki.certificateFromPem(m.wwdrPem));
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(m.privateKeyPem),
    certificate: cert,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! }, // forge fills in the digest
      // forge's typings want a string; it formats a Date as UTCTime.
      { type: forge.pki.oids.signingTime!, value: signingTime as unknown as string },
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}
