/** The security log (GET /api/v1/security-events): sign-ins and changes to admin accounts and keys. */

export type SecurityAction =
  | 'admin.setup' | 'admin.signed_in' | 'admin.sign_in_failed' | 'admin.signed_out' | 'admin.created' | 'admin.role_changed'
  | 'admin.removed' | 'admin.unlocked' | 'admin.password_reset' | 'admin.locked' | 'admin_key.created'
  | 'email.settings_changed' | 'email.template_saved' | 'email.template_reset' | 'card_ready_email.changed'
  | 'admin.installation_owner' | 'installation.apple_wallet_set' | 'installation.apple_wallet_removed'
  | 'installation.google_wallet_set' | 'installation.google_wallet_removed'
  | 'admin.sso_signed_in' | 'admin.sso_refused' | 'admin.sso_created' | 'admin.break_glass_sign_in' | 'sso.configured' | 'sso.removed'
  | 'admin.sso_linked' | 'admin.sso_email_changed'
  | 'webhook.created' | 'webhook.changed' | 'webhook.removed' | 'webhook.secret_rotated' | 'webhook.resumed';

export interface SecurityEvent {
  readonly id: number;
  readonly time: string;
  /** A known action, or one added to the server after this app was built (shown as its code). */
  readonly action: SecurityAction | (string & {});
  /** Who did it: an admin's email, usually; null when nobody was signed in (a failed sign-in). */
  readonly actor: string | null;
  /** Whom it concerns: the account, or the email someone tried to sign in as. */
  readonly target: string | null;
  /** What else is known, such as `{ before, after }` of a role change or why a sign-in failed. */
  readonly detail: unknown;
  /** The client's IP address, when known. */
  readonly address: string | null;
}

export interface SecurityPage {
  readonly events: readonly SecurityEvent[];
  /** The cursor of the next (older) page, or null on the last page. */
  readonly next: number | null;
}
