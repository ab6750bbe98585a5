import { describe, expect, it } from 'vitest';
import { decide, type AccessRules } from '../../../../src/accounts/sso/claims.js';

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
