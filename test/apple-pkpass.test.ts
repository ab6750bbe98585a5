// The .pkpass bundle as Apple documents it, checked from the outside: a valid ZIP, manifest.json
// holding the SHA-1 of every other file, pass.json's fields, and a detached CMS signature that
// OpenSSL verifies against the test CA standing in for Apple's WWDR.
// Relies on the `openssl` CLI (Debian's openssl package; .ci/run's machine has it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPkpass, PassCertificateError, readUpload, thumbnails, type PassContent } from '../src/credentials/apple/index.js';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { unzip } from './helpers/unzip.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

const content = (over: Partial<PassContent> = {}): PassContent => ({
  passTypeIdentifier: pki.passTypeIdentifier, teamIdentifier: pki.teamIdentifier, organizationName: 'Example Ltd', serialNumber: 'cred-1',
  holderName: 'Zoë Ångström', secondary: [{ key: 'job_title', label: 'Job title', value: 'Engineer' }], auxiliary: [{ key: 'employee_number', label: 'Employee number', value: 'E-42' }],
  verifyUrl: 'https://muster.example/v/abc', webServiceURL: 'https://muster.example/passkit', authenticationToken: 'x'.repeat(43),
  voided: false, listName: 'Staff', status: 'valid', ...over,
});
const signing = () => readUpload({ certificatePem: pki.pass.certificatePem, privateKeyPem: pki.pass.privateKeyPem, wwdrPem: pki.ca.certificatePem });

function opensslVerify(files: Map<string, Buffer>): string {
  const dir = fs.mkdtempSync(path.join(pki.dir, 'pass-'));
  fs.writeFileSync(path.join(dir, 'manifest.json'), files.get('manifest.json')!);
  fs.writeFileSync(path.join(dir, 'signature'), files.get('signature')!);
  return execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'signature'), '-content', path.join(dir, 'manifest.json'),
    '-CAfile', pki.caFile, '-purpose', 'any', '-out', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString() + 'ok';
}

describe('.pkpass bundles', () => {
  it('zips pass.json, images and a manifest of SHA-1 hashes of every other file', () => {
    const p = buildPkpass({ content: content(), signing: signing() });
    const files = unzip(p.bytes);
    expect([...files.keys()].sort()).toEqual(['icon.png', 'icon@2x.png', 'logo.png', 'logo@2x.png', 'manifest.json', 'pass.json', 'signature']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Record<string, string>;
    expect(Object.keys(manifest).sort()).toEqual([...files.keys()].filter((f) => f !== 'manifest.json' && f !== 'signature').sort());
    for (const [name, sha1] of Object.entries(manifest)) expect(createHash('sha1').update(files.get(name)!).digest('hex'), name).toBe(sha1);
    // the PNGs are real PNGs of the documented sizes
    expect(files.get('icon.png')!.subarray(1, 4).toString()).toBe('PNG');
    expect(files.get('icon@2x.png')!.readUInt32BE(16)).toBe(58);
  });

  it('pass.json: generic style, identifiers, QR barcode to the verification URL, web service, not voided', () => {
    const json = JSON.parse(unzip(buildPkpass({ content: content(), signing: signing() }).bytes).get('pass.json')!.toString('utf8'));
    expect(json).toMatchObject({
      formatVersion: 1, passTypeIdentifier: 'pass.com.example.staff', teamIdentifier: 'TEAM123456', serialNumber: 'cred-1', organizationName: 'Example Ltd',
      webServiceURL: 'https://muster.example/passkit', authenticationToken: 'x'.repeat(43), sharingProhibited: true,
      barcodes: [{ format: 'PKBarcodeFormatQR', message: 'https://muster.example/v/abc', messageEncoding: 'iso-8859-1' }],
      barcode: { format: 'PKBarcodeFormatQR', message: 'https://muster.example/v/abc' },
    });
    expect(json.voided).toBeUndefined();
    expect(json.generic.primaryFields).toEqual([{ key: 'name', label: 'NAME', value: 'Zoë Ångström' }]);
    expect(json.generic.secondaryFields).toEqual([{ key: 'job_title', label: 'JOB TITLE', value: 'Engineer' }]);
    expect(json.generic.auxiliaryFields).toEqual([{ key: 'employee_number', label: 'EMPLOYEE NUMBER', value: 'E-42' }]);
  });

  it('a revoked credential\'s pass is voided', () => {
    const json = JSON.parse(unzip(buildPkpass({ content: content({ voided: true, status: 'revoked' }), signing: signing() }).bytes).get('pass.json')!.toString());
    expect(json.voided).toBe(true);
    expect(json.generic.auxiliaryFields).toContainEqual({ key: 'status', label: 'STATUS', value: 'REVOKED' });
  });

  it('the signature is a detached CMS signature with signing time that openssl cms -verify accepts with the WWDR stand-in', () => {
    const files = unzip(buildPkpass({ content: content(), signing: signing() }).bytes);
    expect(opensslVerify(files)).toMatch(/ok$/);
    const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path.join(pki.dir, fs.readdirSync(pki.dir).find((d) => d.startsWith('pass-'))!, 'signature')]).toString();
    expect(printed).toMatch(/signingTime/);
    expect(printed).toMatch(/eContent: <ABSENT>/); // detached
    expect(printed).toContain('Muster Test WWDR CA'); // the intermediate travels with the signature
    // A tampered manifest fails.
    const bad = new Map(files);
    bad.set('manifest.json', Buffer.from(files.get('manifest.json')!.toString().replace('"icon.png":"', '"icon.png":"0')));
    expect(() => opensslVerify(bad)).toThrow();
  });

  it('the holder\'s photo becomes thumbnail.png at 90 and 180 pixels', async () => {
    const photo = await sharp({ create: { width: 300, height: 400, channels: 3, background: { r: 200, g: 120, b: 80 } } }).jpeg().toBuffer();
    const files = unzip(buildPkpass({ content: content(), signing: signing(), thumbnail: await thumbnails(photo) }).bytes);
    expect((await sharp(files.get('thumbnail.png')!).metadata()).width).toBe(90);
    expect((await sharp(files.get('thumbnail@2x.png')!).metadata())).toMatchObject({ width: 180, height: 180, format: 'png' });
    expect(JSON.parse(files.get('manifest.json')!.toString())['thumbnail.png']).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('pass certificate uploads', () => {
  it('reads a .p12 with its password, and refuses a wrong password, a foreign key and the wrong WWDR', () => {
    const m = readUpload({ p12Base64: pki.p12('secret'), p12Password: 'secret', wwdrPem: pki.ca.certificatePem });
    expect(m.certificatePem).toContain('BEGIN CERTIFICATE');
    expect(() => readUpload({ p12Base64: pki.p12('secret'), p12Password: 'nope', wwdrPem: pki.ca.certificatePem })).toThrow(/password/);
    expect(() => readUpload({ certificatePem: pki.pass.certificatePem, privateKeyPem: pki.stranger.privateKeyPem, wwdrPem: pki.ca.certificatePem })).toThrow(/does not belong/);
    expect(() => readUpload({ certificatePem: pki.stranger.certificatePem, privateKeyPem: pki.stranger.privateKeyPem, wwdrPem: pki.ca.certificatePem })).toThrow(PassCertificateError);
    // base64 of PEM is accepted as well as PEM
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(readUpload({ certificatePem: b64(pki.pass.certificatePem), privateKeyPem: b64(pki.pass.privateKeyPem), wwdrPem: b64(pki.ca.certificatePem) }).wwdrPem).toContain('BEGIN');
  });
});
