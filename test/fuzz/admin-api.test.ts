/**
 * Fuzzing the admin API's bodies (docs/admin-api.md): lists, roster fields, the SCIM-to-field
 * mapping and its templates, tokens, admin accounts and people (credentials, mapping previews),
 * photo campaigns (preview, automatic invitations), email settings and webhook endpoints, each a
 * valid body with one field mutated, sent with an admin key.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENTERPRISE, handle, mutate, mutation, nastyKey, nastyString, node, toJson, userBody, type Mutation } from './arbitraries.js';
import { CLOSE_TIMEOUT_MS, PROPERTY_TIMEOUT_MS, adminHeaders, assertAuditVerifies, check, send, startFuzzServer, type FuzzServer } from './harness.js';

const FILE = 'test/fuzz/admin-api.test.ts';
let f: FuzzServer;
beforeAll(async () => { f = await startFuzzServer(); });
afterAll(() => f?.close(), CLOSE_TIMEOUT_MS);

type Kind = 'createList' | 'patchList' | 'addField' | 'patchField' | 'mapping' | 'preview' | 'token' | 'admin' | 'credential'
  | 'campaignPreview' | 'campaignSettings' | 'emailSettings' | 'webhook';
const KINDS: Kind[] = ['createList', 'patchList', 'addField', 'patchField', 'mapping', 'preview', 'token', 'admin', 'credential',
  'campaignPreview', 'campaignSettings', 'emailSettings', 'webhook'];

const templateText = fc.oneof(
  fc.constantFrom('{name.givenName} {name.familyName}', '{__proto__}', '{constructor.prototype}', '{__proto__.polluted}', `{${ENTERPRISE}:__proto__}`, '{', '}{', '{{name.givenName}}'),
  nastyString.map((s) => `{${s}}`),
);

describe('admin API bodies', () => {
  it('never 5xx, change nothing when refused, leave Object.prototype alone and keep the audit chain', async () => {
    const step = fc.record({ kind: fc.constantFrom(...KINDS), name: handle, key: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: nastyKey }), template: templateText, m: mutation });
    await check(FILE, fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
      const list = await f.srv.newList({ name: 'Fuzz admin' });
      const person = (await list.req('POST', '/Users', userBody('seed'))).body.id as string;
      const api = `${f.srv.origin}/api/v1`;
      const L = `${api}/lists/${list.id}`;
      for (const s of steps) {
        const mapping = s.kind === 'mapping' || s.kind === 'preview' ? (await (await fetch(`${L}/mapping`, { headers: adminHeaders(f) })).json() as { entries: unknown[] }).entries : [];
        const seg = (fallback: string) => encodeURIComponent(s.key === '' ? fallback : s.key.replace(/[\ud800-\udfff]/g, '_'));
        const [method, url, base]: [string, string, unknown] = {
          createList: ['POST', `${api}/lists`, { name: `List ${s.name}`, uidAttribute: 'userName', syncMethod: 'none', externalIdUnique: false }],
          patchList: ['PATCH', L, { name: `Renamed ${s.name}`, strict: true }],
          addField: ['POST', `${L}/fields`, { key: `f_${s.name}`, label: `Field ${s.name}`, type: 'dropdown', options: ['a', 'b'], required: false }],
          patchField: ['PATCH', `${L}/fields/${seg('department')}`, { label: `Dept ${s.name}`, required: false }],
          mapping: ['PUT', `${L}/mapping`, { entries: [...mapping, { field: 'job_title', transform: 'template', template: s.template }] }],
          preview: ['POST', `${L}/mapping/preview`, { personId: person, entries: [...mapping, { field: 'job_title', transform: 'template', template: s.template }] }],
          token: ['POST', `${L}/tokens`, { label: `Token ${s.name}` }],
          admin: ['POST', `${api}/admins`, { email: `${s.name}@acme.example`, name: `Admin ${s.name}`, role: 'viewer', password: 'a long enough passphrase' }],
          credential: ['POST', `${L}/people/${seg(person)}/credentials`, { kind: 'card' }],
          campaignPreview: ['POST', `${L}/campaigns/preview`, { name: `Campaign ${s.name}`, filter: { field: 'department', value: s.name }, hours: 72, attempts: 3 }],
          campaignSettings: ['PUT', `${L}/campaign-settings`, { enabled: false, hours: 72, attempts: 3, consentText: `Consent ${s.name}`, reminderDays: 3, maxReminders: 2 }],
          emailSettings: ['PUT', `${api}/email`, { senderName: `Office ${s.name}`, replyTo: 'office@acme.example', cardReadyEmail: false }],
          // An address literal: saving a URL needs no DNS, and nothing is sent (no event types match a refused write).
          webhook: ['POST', `${api}/webhooks`, { url: 'https://93.184.215.14/muster', eventTypes: ['person.deactivated'], description: `Doors ${s.name}` }],
        }[s.kind] as [string, string, unknown];
        const m: Mutation = s.m;
        await send(f, list.id, { method, url, headers: adminHeaders(f), body: toJson(mutate(node(base), m)) });
      }
      await assertAuditVerifies(f, list.id);
    }), 40);
  }, PROPERTY_TIMEOUT_MS);
});
