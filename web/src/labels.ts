/** Words for the API's codes, in one place so every screen says the same thing. */
import type { SyncMethod, UidAttribute } from './api';

export const UID_LABELS: Record<UidAttribute, string> = { employeeNumber: 'Employee number', userName: 'Username', email: 'Email' };

export const SYNC_LABELS: Record<SyncMethod, string> = {
  scim: 'Automated provisioning (SCIM)', entra: 'Microsoft Entra ID pull sync', none: 'None (CSV import)',
};

export const ACTION_LABELS: Record<string, string> = {
  'person.created': 'Person created', 'person.updated': 'Person updated', 'person.deactivated': 'Person deactivated',
  'person.reactivated': 'Person reactivated', 'person.deleted': 'Person deleted',
  'group.created': 'Group created', 'group.updated': 'Group updated', 'group.renamed': 'Group renamed', 'group.deleted': 'Group deleted',
  'group.members_added': 'Members added', 'group.members_removed': 'Members removed',
  'list.created': 'List created', 'list.configured': 'List configured', 'list.sync_method_changed': 'Sync method changed',
  'mapping.changed': 'Mapping changed', 'token.created': 'Token created', 'token.first_used': 'Token first used', 'token.revoked': 'Token revoked',
  'admin.signed_in': 'Admin signed in', 'provisioning.failed': 'Provisioning failed',
  'photo.link_created': 'Self-upload link sent', 'email.queued': 'Email queued', 'photo.uploaded': 'Photo uploaded', 'photo.upload_refused': 'Photo refused by the checks',
  'photo.approved': 'Photo approved', 'photo.rejected': 'Photo rejected',
  'credential.issued': 'Credential issued', 'credential.revoked': 'Credential revoked', 'credential.suspended': 'Credential suspended',
  'credential.reinstated': 'Credential reinstated', 'cards.printed': 'Cards printed',
  'credential.device_registered': 'Pass added to a phone', 'credential.device_unregistered': 'Pass removed from a phone',
  'credential.pass_updated': 'Wallet pass updated', 'credential.pass_pushed': 'Pass update pushed to the phone', 'credential.push_failed': 'Pass update could not be pushed',
  'credential.google_object_created': 'Google Wallet pass created at Google', 'credential.google_object_updated': 'Google Wallet pass updated at Google',
  'credential.google_update_failed': 'Google Wallet update failed',
  'wallet.apple_configured': 'Apple Wallet set up', 'wallet.apple_removed': 'Apple Wallet removed',
  'google_wallet.configured': 'Google Wallet set up', 'google_wallet.removed': 'Google Wallet removed',
  'wallet.branding_changed': 'Wallet pass colours and logo changed', 'photo.capture_settings_changed': 'Capture session approval setting changed',
};

export const actionLabel = (a: string) => ACTION_LABELS[a] ?? a;
