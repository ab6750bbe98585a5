// Credential lifecycle benchmark: N people provisioned over SCIM get a checked photo, a printed
// card (A4 sheets and card-printer pages), an Apple pass on a simulated iPhone and a Google
// Wallet pass; then the IdP deactivates them one by one, and we time how long each takes to be
// revoked everywhere: the QR verification, the Apple pass voided on the phone (fake APNs over
// HTTP/2 with client certificates), the Google object EXPIRED (fake Google). Real HTTP, real
// database, Muster in the same process; figures go to bench/RESULTS.md with --markdown.
//
//   npx tsx bench/credentials.ts [--n 200] [--markdown] [--db postgres://…]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { buildMuster, listen } from '../src/main.js';
import { AdminKeys } from '../src/accounts/admin-keys.js';
import { makeTestPki } from '../test/fakes/apns/certs.js';
import { startFakeApns } from '../test/fakes/apns/index.js';
import { WalletDevice } from '../test/fakes/apns/wallet-device.js';
import { startGoogleFake } from '../test/fakes/google/index.js';
import { portrait as samplePortrait } from '../test/helpers/sample-photos.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { n: { type: 'string', default: '200' }, markdown: { type: 'boolean' }, db: { type: 'string' } } });
const N = Number(values.n);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-credentials-bench-'));
const pki = makeTestPki();
const apns = await startFakeApns(pki);
const google = await startGoogleFake();
const config = loadConfig({
  MUSTER_DATABASE_URL: values.db ?? path.join(dir, 'muster.sqlite'), MUSTER_LOG_LEVEL: 'error', MUSTER_RATE_LIMIT: '0', MUSTER_PUBLIC_RATE_LIMIT: '0',
  MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_APNS_URL: apns.url, MUSTER_APNS_CA_FILE: pki.caFile, MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true',
});
const muster = await buildMuster(config);
const { server } = await listen(muster.app, 0, '127.0.0.1');
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const { list, token } = await muster.lists.createList({ name: 'Bench staff', uid: 'userName', org: 'Bench' });
const key = (await new AdminKeys(muster.store, muster.audit, muster.lists).create(list.orgId, 'bench')).secret;
const scim = `${origin}/scim/v2/lists/${list.id}`;

const api = async (method: string, p: string, body?: unknown, type = 'application/json') => {
  const r = await fetch(`${origin}/api/v1${p}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : body instanceof Buffer ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
};
const scimReq = (method: string, p: string, body: unknown) => fetch(`${scim}${p}`, {
  method, headers: { authorization: `Bearer ${token!.secret}`, 'content-type': 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0' }, body: JSON.stringify(body),
});
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

// ---- joined: N people over SCIM
const ids: string[] = [];
let t = performance.now();
for (let i = 0; i < N; i++) {
  const r = await scimReq('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    userName: `person${i}@example.com`, name: { givenName: `Person${i}`, familyName: 'Łukasiewicz' }, title: 'Engineer',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: `E${1000 + i}`, department: 'Research' },
  });
  ids.push(((await r.json()) as { id: string }).id);
}
const provisionS = (performance.now() - t) / 1000;

// ---- photos: checked (EXIF, size, light, focus, one face) and approved in bulk
const portrait = await samplePortrait();
const photoMs: number[] = [];
const photoIds: string[] = [];
for (const id of ids) {
  const t0 = performance.now();
  photoIds.push((await api('POST', `/lists/${list.id}/people/${id}/photo?source=capture`, portrait, 'image/jpeg')).id);
  photoMs.push(performance.now() - t0);
}
t = performance.now();
for (let i = 0; i < photoIds.length; i += 500) await api('POST', `/lists/${list.id}/photos/approve`, { ids: photoIds.slice(i, i + 500) });
const approveS = (performance.now() - t) / 1000;

// ---- printed: A4 sheets with crop marks, then card-printer pages
const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).templates[0].id as string;
async function print(layout: string) {
  const t0 = performance.now();
  const job = await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout, sides: 'both' });
  let j;
  for (;;) {
    j = await api('GET', `/lists/${list.id}/jobs/${job.id}`);
    if (j.status === 'done' || j.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const pdf = await fetch(`${origin}/api/v1/lists/${list.id}/print-jobs/${job.id}/pdf`, { headers: { authorization: `Bearer ${key}` } });
  return { seconds: (performance.now() - t0) / 1000, result: j.result as { pages: number; printed: number; skippedCount: number }, bytes: (await pdf.arrayBuffer()).byteLength };
}
const a4 = await print('a4');
const cardPages = await print('card');

// ---- wallet passes: both, and an iPhone per Apple pass
await api('PUT', '/apple-wallet', { organizationName: 'Bench Ltd', certificate: pki.pass.certificatePem, privateKey: pki.pass.privateKeyPem, wwdrCertificate: pki.ca.certificatePem });
await api('PUT', '/google-wallet', { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl });
const people: { id: string; card: string; apple: string; google: string; objectId: string; phone: WalletDevice }[] = [];
const issueMs: number[] = [];
for (const id of ids) {
  const t0 = performance.now();
  const apple = await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'apple_pass' });
  const gp = await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'google_pass' });
  issueMs.push(performance.now() - t0);
  const phone = new WalletDevice(`${origin}/passkit`, `phone-${id}`, randomBytes(32).toString('hex'), apns);
  apns.addDevice(phone.pushToken, pki.passTypeIdentifier);
  const pkpass = Buffer.from(await (await fetch(`${origin}/api/v1/lists/${list.id}/credentials/${apple.id}/pkpass`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
  await phone.add(pkpass);
  const card = (await api('GET', `/lists/${list.id}/people/${id}/credentials`)).credentials.find((c: { kind: string }) => c.kind === 'card');
  people.push({ id, card: card.verifyUrl, apple: apple.id, google: gp.verifyUrl, objectId: gp.google.objectId, phone });
}

// ---- left: the IdP deactivates everyone, one request at a time, as a connector does
const patchMs: number[] = [];
const verifiedAtPatch: boolean[] = [];
const done = { apple: new Map<string, number>(), google: new Map<string, number>() };
const startedAt = new Map<string, number>();
let watching = true;
const watcher = (async () => {
  while (watching || done.apple.size < people.length || done.google.size < people.length) {
    const now = performance.now();
    for (const p of people) {
      const s = startedAt.get(p.id);
      if (s === undefined) continue;
      if (!done.apple.has(p.id) && p.phone.passes.get(p.apple)?.json.voided === true) done.apple.set(p.id, now - s);
      if (!done.google.has(p.id) && google.getObject(p.objectId)?.state === 'EXPIRED') done.google.set(p.id, now - s);
    }
    if (now - t > 120_000) break;
    await new Promise((r) => setTimeout(r, 10));
  }
})();
t = performance.now();
for (const p of people) {
  const t0 = performance.now();
  startedAt.set(p.id, t0);
  await scimReq('PATCH', `/Users/${p.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: 'False' } }] });
  patchMs.push(performance.now() - t0);
  const v = await Promise.all([p.card, p.google].map(async (u) => ((await (await fetch(u, { headers: { accept: 'application/json' } })).json()) as { status: string }).status));
  verifiedAtPatch.push(v.every((s) => s === 'revoked'));
}
watching = false;
await watcher;
const revokeAllS = (performance.now() - t) / 1000;
const appleMs = [...done.apple.values()], googleMs = [...done.google.values()];
const audit = await api('GET', `/lists/${list.id}/audit/verify`);

const lines = [
  `- ${N} people provisioned over SCIM in ${provisionS.toFixed(1)} s.`,
  `- **Photo check** (decode, EXIF rotation, light and focus, face detection, 3:4 crop, JPEG; one upload at a time over HTTP): median **${ms(pct(photoMs, 50))}**, p95 ${ms(pct(photoMs, 95))}; bulk approval of all ${N} in ${approveS.toFixed(1)} s.`,
  `- **Print, A4 sheets with crop marks, both sides**: ${a4.result.printed} cards, ${a4.result.pages} pages in **${a4.seconds.toFixed(1)} s** (${(a4.result.printed / a4.seconds).toFixed(0)} cards/s, PDF ${(a4.bytes / 1_048_576).toFixed(1)} MB); card-printer pages: ${cardPages.result.pages} pages in ${cardPages.seconds.toFixed(1)} s.`,
  `- Issuing an Apple and a Google pass per person (certificate signing, Google object created at the fake): median ${ms(pct(issueMs, 50))} for both.`,
  `- **Deactivation** (Okta-style path-less PATCH \`active: "False"\`, one at a time): PATCH median ${ms(pct(patchMs, 50))}, p95 ${ms(pct(patchMs, 95))}; the card's and the Google pass's QR verification answered "revoked" as soon as the PATCH returned for **${verifiedAtPatch.filter(Boolean).length}/${N}** people.`,
  `- **Apple pass voided on the phone** (push over HTTP/2 APNs, the phone fetches the new pass): ${appleMs.length}/${N}; from the PATCH: median **${ms(pct(appleMs, 50))}**, p95 ${ms(pct(appleMs, 95))}, max ${ms(Math.max(...appleMs))}.`,
  `- **Google object EXPIRED** at the fake: ${googleMs.length}/${N}; median **${ms(pct(googleMs, 50))}**, p95 ${ms(pct(googleMs, 95))}, max ${ms(Math.max(...googleMs))}.`,
  `- All ${N} deactivations and their revocations took ${revokeAllS.toFixed(1)} s; the audit chain verifies: ${audit.ok}.`,
];
console.log(lines.join('\n'));

server.close();
await muster.close();
await apns.close();
await google.close();
fs.rmSync(dir, { recursive: true, force: true });

if (values.markdown) {
  const engine = config.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite';
  const md = [
    `<!-- credentials:${engine}:start -->`,
    `### Credential lifecycle (${config.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite'}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores)`,
    '',
    `Command: \`npx tsx bench/credentials.ts --n ${N} --markdown${engine === 'postgres' ? ' --db postgres://…' : ''}\`: real HTTP and database; fake APNs and Google from test/fakes, a simulated iPhone per Apple pass.`,
    '',
    ...lines,
    `<!-- credentials:${engine}:end -->`,
  ].join('\n');
  const file = path.join(root, 'bench', 'RESULTS.md');
  let text = fs.readFileSync(file, 'utf8');
  const re = new RegExp(`<!-- credentials:${engine}:start -->[\\s\\S]*?<!-- credentials:${engine}:end -->`);
  text = re.test(text) ? text.replace(re, md) : `${text.trimEnd()}\n\n${md}\n`;
  fs.writeFileSync(file, text);
}
process.exit(0);
