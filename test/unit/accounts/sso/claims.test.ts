import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, subjectProblem, type AccessRules } from '../../../../src/accounts/sso/claims.js';

const rules = (over: Partial<AccessRules> = {}): AccessRules => ({
  allowedDomains: ['example.org'], groupClaim: undefined, groupRoles: new Map(), defaultRole: 'viewer', ...over,
});

describe('who an ID token lets in', () => {
  it('needs a verified address in an allowed domain', () => {
    expect(decide({ email: 'Ada@Example.org', email_verified: true, name: 'Ada' }, rules())).toEqual({ ok: true, email: 'ada@example.org', name: 'Ada', role: undefined });
    expect(decide({ email: 'ada@example.org' }, rules())).toMatchObject({ ok: false, code: 'email_unverified' });
    expect(decide({ email: 'ada@example.org', xms_edov: true }, rules())).toMatchObject({ ok: true });
    expect(decide({ email: 'ada@elsewhere.org', email_verified: true }, rules())).toMatchObject({ ok: false, code: 'domain_not_allowed' });
    expect(decide({ email_verified: true }, rules())).toMatchObject({ ok: false, code: 'email_missing' });
  });

  it('takes the highest role of the mapped groups, and refuses when none maps', () => {
    const r = rules({ allowedDomains: [], groupClaim: 'groups', groupRoles: new Map([['muster-viewers', 'viewer'], ['muster-owners', 'owner']]) });
    expect(decide({ email: 'a@x.org', email_verified: true, groups: ['muster-viewers', 'muster-owners', 'other'] }, r)).toMatchObject({ ok: true, role: 'owner' });
    expect(decide({ email: 'a@x.org', email_verified: true, groups: ['other'] }, r)).toMatchObject({ ok: false, code: 'group_not_mapped' });
    expect(decide({ email: 'a@x.org', email_verified: true }, r)).toMatchObject({ ok: false, code: 'group_not_mapped' });
  });

  it('never reads a claim from the prototype chain', () => {
    const r = rules({ allowedDomains: [], groupClaim: 'constructor', groupRoles: new Map([['x', 'owner']]) });
    expect(decide({ email: 'a@x.org', email_verified: true }, r)).toMatchObject({ ok: false, code: 'group_not_mapped' });
  });
});

describe('which subjects can name an account', () => {
  it('takes what providers send: Okta, Entra ID, Google, Keycloak, ADFS', () => {
    for (const sub of ['00u1a2b3c4D5e6F7g8h9', 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', '110169484474386276334', 'f9e8d7c6-b5a4-4321-8765-0123456789ab', 'CONTOSO\\ada lovelace', 'x'.repeat(255)]) {
      expect(subjectProblem(sub), sub).toBeUndefined();
    }
  });

  it('refuses a missing, long, control or non-ASCII subject (OpenID Connect Core 1.0 §2)', () => {
    expect(subjectProblem(undefined)).toMatch(/missing/);
    expect(subjectProblem(42)).toMatch(/missing/);
    expect(subjectProblem('')).toMatch(/missing/);
    expect(subjectProblem('x'.repeat(256))).toMatch(/256 characters/);
    expect(subjectProblem('ada\u0000')).toMatch(/ASCII/);
    expect(subjectProblem('ada\ud800')).toMatch(/ASCII/);
    expect(subjectProblem('\u0430da')).toMatch(/ASCII/); // Cyrillic a
  });

  it('accepts exactly the non-empty printable-ASCII strings of at most 255 characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      const ok = s.length >= 1 && s.length <= 255 && [...s].every((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) <= 0x7e && ch.length === 1);
      expect(subjectProblem(s) === undefined).toBe(ok);
    }));
  });
});
