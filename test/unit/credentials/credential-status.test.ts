import { describe, expect, it } from 'vitest';
import { BY_DEACTIVATION, BY_DELETION, credentialTransition, type CredentialState } from '../../../src/credentials/credential-status.js';

const state = (status: CredentialState['status'], statusReason: string | null = null, statusBefore: string | null = null): CredentialState => ({ status, statusReason, statusBefore });

describe('credential status machine (pure)', () => {
  it('lets an admin suspend a valid credential, with a trimmed reason or a default one', () => {
    expect(credentialTransition(state('valid'), { type: 'suspend', reason: '  lost  ' })).toEqual({ kind: 'change', to: 'suspended', reason: 'lost' });
    expect(credentialTransition(state('valid'), { type: 'suspend' })).toEqual({ kind: 'change', to: 'suspended', reason: 'by an admin (suspend)' });
    expect(credentialTransition(state('suspended'), { type: 'suspend' })).toMatchObject({ kind: 'refused', code: 'invalid_transition' });
  });

  it('makes a revocation by deactivation final when an admin revokes, and refuses a second revocation', () => {
    expect(credentialTransition(state('revoked', BY_DEACTIVATION), { type: 'revoke' })).toMatchObject({ kind: 'change', to: 'revoked' });
    expect(credentialTransition(state('revoked', 'by an admin (revoke)'), { type: 'revoke' })).toMatchObject({ kind: 'refused', code: 'invalid_transition' });
  });

  it('reinstates a suspended credential only while the holder is active', () => {
    expect(credentialTransition(state('suspended'), { type: 'reinstate', holderActive: true })).toEqual({ kind: 'change', to: 'valid', reason: null });
    expect(credentialTransition(state('suspended'), { type: 'reinstate', holderActive: false })).toMatchObject({ kind: 'refused', code: 'person_inactive' });
    expect(credentialTransition(state('valid'), { type: 'reinstate', holderActive: true })).toMatchObject({ kind: 'refused', message: 'this credential is already valid' });
    expect(credentialTransition(state('revoked', BY_DELETION), { type: 'reinstate', holderActive: true })).toMatchObject({ kind: 'refused', code: 'invalid_transition' });
  });

  it('revokes on deactivation remembering the state, and gives it back on reactivation', () => {
    const t = credentialTransition(state('suspended', 'lost'), { type: 'person.deactivated' });
    expect(t).toMatchObject({ kind: 'change', to: 'revoked', reason: BY_DEACTIVATION });
    const before = t.kind === 'change' ? t.before ?? null : null;
    expect(credentialTransition(state('revoked', BY_DEACTIVATION, before), { type: 'person.reactivated' })).toEqual({ kind: 'change', to: 'suspended', reason: 'lost' });
    expect(credentialTransition(state('revoked', BY_DEACTIVATION), { type: 'person.reactivated' })).toEqual({ kind: 'change', to: 'valid', reason: null });
    expect(credentialTransition(state('revoked', 'by an admin (revoke)'), { type: 'person.reactivated' })).toEqual({ kind: 'none' });
    expect(credentialTransition(state('revoked', 'x'), { type: 'person.deactivated' })).toEqual({ kind: 'none' });
  });

  it('revokes for good on deletion, unless an admin already did', () => {
    expect(credentialTransition(state('valid'), { type: 'person.deleted' })).toEqual({ kind: 'change', to: 'revoked', reason: BY_DELETION });
    expect(credentialTransition(state('revoked', BY_DEACTIVATION), { type: 'person.deleted' })).toEqual({ kind: 'change', to: 'revoked', reason: BY_DELETION });
    expect(credentialTransition(state('revoked', 'by an admin (revoke)'), { type: 'person.deleted' })).toEqual({ kind: 'none' });
  });
});
