/**
 * The installation's wallet credentials from the environment (issue 14, item 4): files named by
 * MUSTER_APPLE_PASS_* / MUSTER_APPLE_WWDR_FILE and MUSTER_GOOGLE_WALLET_* (docs/configuration.md)
 * are read at every start and stored exactly as `muster wallets` stores them (checked, sealed,
 * in the installation's security log as set by `environment`), but only when they differ from
 * what is stored: every node starts with the same files, and a restart changes nothing. What
 * cannot be applied (an unreadable file, a certificate Muster refuses, a new pass type while
 * passes of the old one are live) is logged as an error and the stored credentials stay: a
 * typo in a secret's mount must not take the SCIM service down.
 */
import { readFileSync } from 'node:fs';
import type { InstallationWalletFiles } from '../config.js';
import { certificateInfo, readUpload } from './apple/index.js';
import type { Logger } from '../log.js';
import type { InstallationWallets } from './installation-wallets.js';

const ENVIRONMENT = { actor: 'environment' } as const;

export async function applyWalletEnvironment(files: InstallationWalletFiles, wallets: InstallationWallets, log: Logger): Promise<void> {
  if (!files.apple && !files.google) return;
  const stored = await wallets.view();
  if (files.apple) {
    const a = files.apple;
    try {
      const body: Record<string, string> = {
        wwdrCertificate: readFileSync(a.wwdrFile, 'utf8'),
        ...(a.certificateFile ? { certificate: readFileSync(a.certificateFile, 'utf8') } : {}),
        ...(a.keyFile ? { privateKey: readFileSync(a.keyFile, 'utf8') } : {}),
        ...(a.p12File ? { p12: readFileSync(a.p12File, 'base64') } : {}),
        ...(a.p12Password !== undefined ? { p12Password: a.p12Password } : {}),
      };
      const signing = readUpload({ certificatePem: body.certificate, privateKeyPem: body.privateKey, p12Base64: body.p12, p12Password: body.p12Password, wwdrPem: body.wwdrCertificate! });
      const same = stored.apple.configured && stored.apple.certificate?.fingerprint === certificateInfo(signing.certificatePem).fingerprint
        && stored.apple.wwdrCertificate?.fingerprint === certificateInfo(signing.wwdrPem).fingerprint;
      if (!same) {
        const v = await wallets.putApple(body, ENVIRONMENT);
        log.info('installation Apple Wallet certificate set from the environment', { passTypeIdentifier: v.passTypeIdentifier });
      }
    } catch (err) {
      log.error('the installation\'s Apple Wallet certificate from the environment was not applied; the stored one (if any) stays', { reason: err instanceof Error ? err.message : String(err) });
    }
  }
  if (files.google) {
    const g = files.google;
    try {
      const key = JSON.parse(readFileSync(g.keyFile, 'utf8')) as { private_key_id?: unknown };
      const same = stored.google.configured && stored.google.issuerId === g.issuerId && stored.google.serviceAccount.keyId === key.private_key_id;
      if (!same) {
        await wallets.putGoogle({ issuerId: g.issuerId, serviceAccountKey: key }, ENVIRONMENT);
        log.info('installation Google Wallet issuer set from the environment', { issuerId: g.issuerId });
      }
    } catch (err) {
      log.error('the installation\'s Google Wallet issuer from the environment was not applied; the stored one (if any) stays', { reason: err instanceof Error ? err.message : String(err) });
    }
  }
}
