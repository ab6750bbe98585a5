/** Words for credential kinds, statuses, photo statuses and the errors issuing can meet. */
import type { ApiError, CredentialKind, CredentialStatus, CredentialSummary, PhotoStatus, PhotoSummary } from './api';

export const KIND_LABELS: Record<CredentialKind, string> = { card: 'Printed card', apple_pass: 'Apple Wallet pass', google_pass: 'Google Wallet pass' };
export const kindLabel = (k: string) => KIND_LABELS[k as CredentialKind] ?? k;

export const ISSUE_LABELS: Record<CredentialKind, string> = { card: 'Issue a printed card', apple_pass: 'Issue an Apple Wallet pass', google_pass: 'Issue a Google Wallet pass' };

export const CREDENTIAL_STATUS_LABELS: Record<CredentialStatus, string> = { valid: 'Valid', suspended: 'Suspended', revoked: 'Revoked' };

export const PHOTO_STATUS_LABELS: Record<PhotoStatus, string> = { pending: 'Waiting for review', approved: 'Approved', rejected: 'Rejected', superseded: 'Replaced' };

/** The roster's Photo and Card columns: a word and a badge tone each. */
export const PHOTO_SUMMARY: Record<PhotoSummary, { label: string; tone: string }> = {
  none: { label: 'No photo', tone: 'off' }, pending: { label: 'Waiting for approval', tone: 'warn' },
  approved: { label: 'Approved', tone: 'ok' }, rejected: { label: 'Refused, none approved', tone: 'warn' },
};
export const CREDENTIAL_SUMMARY: Record<CredentialSummary, { label: string; tone: string }> = {
  none: { label: 'No card yet', tone: 'off' }, valid: { label: 'Valid', tone: 'ok' }, suspended: { label: 'Suspended', tone: 'warn' }, revoked: { label: 'Revoked', tone: 'off' },
};

export const SOURCE_LABELS: Record<string, string> = { admin: 'uploaded by an admin', self: 'sent by the person', capture: 'taken in a capture session' };

export const SKIP_LABELS: Record<string, string> = {
  no_photo: 'no approved photo', photo_not_approved: 'photo not approved yet', photo_unreadable: 'the photo could not be read', image_unreadable: 'an image of the template could not be read',
  barcode_empty: 'a barcode has no data for this person', barcode_unencodable: 'a barcode cannot hold this person’s data',
  inactive: 'deactivated', not_found: 'no longer on the list',
};

/**
 * A refused issue as a sentence that says what to do; wallet set-up lives on the wallet settings
 * page, so those errors say so (the caller renders the link).
 */
export function issueProblem(err: ApiError, kind: CredentialKind): { text: string; settings: boolean } {
  if (err.code === 'apple_wallet_not_configured' || (err.code === 'kind_unavailable' && kind === 'apple_pass')) {
    return { text: 'Apple Wallet passes cannot be issued yet: your organisation’s Apple pass certificate has not been set up.', settings: true };
  }
  if (err.code === 'google_wallet_not_configured' || (err.code === 'kind_unavailable' && kind === 'google_pass')) {
    return { text: 'Google Wallet passes cannot be issued yet: your organisation’s Google Wallet issuer account has not been set up.', settings: true };
  }
  if (err.code === 'kind_unavailable') return { text: `This server cannot issue ${kindLabel(kind)}s.`, settings: false };
  if (err.code === 'person_inactive') return { text: 'This person is deactivated, so nothing can be issued to them until the identity provider reactivates them.', settings: false };
  return { text: err.detail, settings: false };
}
