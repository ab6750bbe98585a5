import { describe, expect, it } from 'vitest';
import type { NormalisationId } from '../../../src/scim/dialect.js';
import { identifyIdp } from '../../../src/lists/idp.js';

const none = { userAgent: undefined, tokenLabel: undefined, tokenIdp: undefined, normalisations: [] as readonly NormalisationId[] };

describe('identifyIdp', () => {
  it('nothing to go on is undefined', () => {
    expect(identifyIdp(none)).toBeUndefined();
    expect(identifyIdp({ ...none, userAgent: '   ', tokenLabel: 'production', tokenIdp: null })).toBeUndefined();
    expect(identifyIdp({ ...none, userAgent: 'curl/8.5.0' })).toBeUndefined();
  });

  describe('User-Agent (strongest)', () => {
    it('Okta SCIM Client', () => {
      expect(identifyIdp({ ...none, userAgent: 'Okta SCIM Client 1.0.0' })).toEqual({ idp: 'Okta', evidence: 'user-agent: Okta SCIM Client 1.0.0', strong: true });
    });
    it('Okta beats a token label naming another IdP', () => {
      expect(identifyIdp({ ...none, userAgent: 'Okta SCIM Client 1.0.0', tokenLabel: 'Entra ID prod' })).toEqual({
        idp: 'Okta',
        evidence: 'user-agent: Okta SCIM Client 1.0.0',
        strong: true,
      });
    });
    it('Okta beats the Entra dialect and token history', () => {
      const g = identifyIdp({ userAgent: 'Okta SCIM Client 1.0.0', tokenLabel: undefined, tokenIdp: 'OneLogin', normalisations: ['op-case'] });
      expect(g?.idp).toBe('Okta');
    });
    it('Entra provisioning agents', () => {
      for (const ua of ['Microsoft Azure AD SCIM Client', 'Microsoft.Azure.SyncFabric']) {
        expect(identifyIdp({ ...none, userAgent: ua })).toEqual({ idp: 'Microsoft Entra ID', evidence: `user-agent: ${ua}`, strong: true });
      }
    });
    it('a User-Agent that names an IdP', () => {
      expect(identifyIdp({ ...none, userAgent: 'OneLogin SCIM' })?.idp).toBe('OneLogin');
      expect(identifyIdp({ ...none, userAgent: 'PingFederate/11.2' })?.idp).toBe('PingFederate');
      expect(identifyIdp({ ...none, userAgent: 'JumpCloud' })?.idp).toBe('JumpCloud');
    });
    it('the User-Agent is trimmed in the evidence', () => {
      expect(identifyIdp({ ...none, userAgent: '  Okta SCIM Client 1.0.0 ' })?.evidence).toBe('user-agent: Okta SCIM Client 1.0.0');
    });
  });

  describe('token label', () => {
    it('"Entra ID prod" is Microsoft Entra ID, weak', () => {
      expect(identifyIdp({ ...none, tokenLabel: 'Entra ID prod' })).toEqual({ idp: 'Microsoft Entra ID', evidence: 'token-label: Entra ID prod', strong: false });
    });
    it.each<[string, string]>([
      ['Okta production', 'Okta'],
      ['azure ad staging', 'Microsoft Entra ID'],
      ['Google Workspace', 'Google Workspace'],
      ['Ping Identity', 'PingOne'],
      ['PingFederate lab', 'PingFederate'],
      ['rippling', 'Rippling'],
    ])('%j is %s', (label, idp) => {
      expect(identifyIdp({ ...none, tokenLabel: label })).toEqual({ idp, evidence: `token-label: ${label}`, strong: false });
    });
    it('a label beats the dialect and the token history', () => {
      expect(identifyIdp({ ...none, tokenLabel: 'Okta production', tokenIdp: 'OneLogin', normalisations: ['op-case'] })?.idp).toBe('Okta');
    });
    it('a label that names no IdP falls through', () => {
      expect(identifyIdp({ ...none, tokenLabel: 'Shopping', tokenIdp: 'OneLogin' })?.evidence).toBe('token-history');
    });
    it('a User-Agent naming no IdP does not stop a label', () => {
      expect(identifyIdp({ ...none, userAgent: 'Java/17', tokenLabel: 'Okta production' })?.idp).toBe('Okta');
    });
  });

  describe('dialect', () => {
    it('op-case is Entra, strong', () => {
      expect(identifyIdp({ ...none, normalisations: ['op-case'] })).toEqual({ idp: 'Microsoft Entra ID', evidence: 'dialect: op-case', strong: true });
    });
    it('lists every Entra normalisation seen', () => {
      expect(identifyIdp({ ...none, normalisations: ['op-case', 'manager-string'] })?.evidence).toBe('dialect: op-case, manager-string');
    });
    it('"true" strings alone are no evidence: OneLogin templates send them too', () => {
      expect(identifyIdp({ ...none, normalisations: ['boolean-string'] })).toBeUndefined();
    });
    it('normalisations other IdPs also need are no evidence', () => {
      expect(identifyIdp({ ...none, normalisations: ['readonly-ignored', 'missing-schemas'] })).toBeUndefined();
    });
    it('the dialect beats the token history', () => {
      expect(identifyIdp({ ...none, tokenIdp: 'Okta', normalisations: ['op-case'] })?.idp).toBe('Microsoft Entra ID');
    });
  });

  describe('token history', () => {
    it('what the token was identified as before, weak', () => {
      expect(identifyIdp({ ...none, tokenIdp: 'OneLogin' })).toEqual({ idp: 'OneLogin', evidence: 'token-history', strong: false });
    });
    it('token history beats the weak Apache-HttpClient guess', () => {
      expect(identifyIdp({ ...none, userAgent: 'Apache-HttpClient/4.5.13 (Java/11)', tokenIdp: 'Okta' })?.evidence).toBe('token-history');
    });
  });

  it('Apache-HttpClient alone is PingFederate, weak', () => {
    expect(identifyIdp({ ...none, userAgent: 'Apache-HttpClient/4.5.13 (Java/11)' })).toEqual({
      idp: 'PingFederate',
      evidence: 'user-agent (weak): Apache-HttpClient/4.5.13 (Java/11)',
      strong: false,
    });
  });
});
