/** Words for the security log: what happened, who did it, and its detail as a sentence. */
import type { SecurityAction, SecurityEvent } from './api';
import { ssoErrorWords } from './sso-words';

export const SECURITY_ACTION_LABELS: Record<SecurityAction, string> = {
  'admin.setup': 'Muster set up',
  'admin.signed_in': 'Signed in',
  'admin.sign_in_failed': 'Sign-in failed',
  'admin.signed_out': 'Signed out',
  'admin.created': 'Account created',
  'admin.role_changed': 'Role changed',
  'admin.removed': 'Account removed',
  'admin.unlocked': 'Account unlocked',
  'admin.password_reset': 'Password reset',
  // Since issue 17 item 5 only the guessing address waits (older entries: the whole account was locked).
  'admin.locked': 'Sign-ins slowed from one address',
  'admin_key.created': 'Admin key created',
  'email.settings_changed': 'Email sender or reply-to changed',
  'email.template_saved': 'Email template changed',
  'email.template_reset': 'Email template back to the default',
  'card_ready_email.changed': '"Your card is ready" emails turned on or off',
  'admin.installation_owner': 'Installation owner changed',
  'installation.apple_wallet_set': 'Installation Apple Wallet certificate set',
  'installation.apple_wallet_removed': 'Installation Apple Wallet certificate removed',
  'installation.google_wallet_set': 'Installation Google Wallet issuer set',
  'installation.google_wallet_removed': 'Installation Google Wallet issuer removed',
  'admin.sso_signed_in': 'Signed in with single sign-on',
  'admin.sso_refused': 'Single sign-on refused',
  'admin.sso_created': 'Account created at first sign-on',
  'admin.break_glass_sign_in': 'Signed in with a break-glass password',
  'sso.configured': 'Single sign-on set up',
  'sso.removed': 'Single sign-on removed',
  'admin.sso_linked': 'Account linked to a person at the identity provider',
  'admin.sso_email_changed': 'Email address changed by the identity provider',
  'webhook.created': 'Webhook added',
  'webhook.changed': 'Webhook changed',
  'webhook.removed': 'Webhook removed',
  'webhook.secret_rotated': 'Webhook signing secret replaced',
  'webhook.resumed': 'Paused webhook resumed',
};

export const securityActionLabel = (a: string) => SECURITY_ACTION_LABELS[a as SecurityAction] ?? a;

/** `admin:ann@x.org` → the email; the other actors the server writes, in words. */
export function actorWords(actor: string | null): string {
  if (!actor || actor === 'anonymous') return 'someone not signed in';
  if (actor.startsWith('admin:')) return actor.slice('admin:'.length);
  if (actor.startsWith('admin-key:')) return `admin key ${actor.slice('admin-key:'.length)}`;
  if (actor === 'system') return 'Muster';
  if (actor === 'cli') return 'the command line on the server';
  if (actor === 'environment') return 'the server\'s configuration (environment)';
  return actor;
}

const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** A webhook's event types: null is every event. */
const eventTypesWords = (v: unknown) => (v === null ? 'all events' : Array.isArray(v) ? v.map(text).join(', ') || 'no events' : '?');

/** What a `webhook.changed` changed, each before → after. */
function webhookChangeWords(d: Record<string, unknown>): string {
  const part = (k: string, words: (v: unknown) => string, name: string) => {
    const c = d[k] as { before?: unknown; after?: unknown } | undefined;
    return c && typeof c === 'object' ? `${name} ${words(c.before)} → ${words(c.after)}` : '';
  };
  const onOff = (v: unknown) => (v === true ? 'on' : 'off');
  return [part('url', text, 'address'), part('description', (v) => `"${text(v)}"`, 'description'), part('eventTypes', eventTypesWords, 'events'), part('enabled', onOff, 'sending')]
    .filter(Boolean).join('; ');
}

/** The detail the server recorded, as a short sentence; '' when there is nothing to add. */
export function detailWords(e: SecurityEvent): string {
  const d = (typeof e.detail === 'object' && e.detail !== null ? e.detail : {}) as Record<string, unknown>;
  switch (e.action) {
    case 'admin.role_changed': return `${text(d.before) || '?'} → ${text(d.after) || '?'}`;
    case 'admin.created': return [d.name ? `${text(d.name)}` : '', d.role ? `as ${text(d.role)}` : ''].filter(Boolean).join(', ');
    case 'admin.removed': return d.role ? `was ${text(d.role)}` : '';
    case 'admin.sign_in_failed': return text(d.reason);
    case 'admin.locked': return d.after ? `after ${text(d.after)} failed sign-ins in a row${d.scope === 'address' ? ' from this address, which now waits before each try' : ''}${d.minutes ? `, for ${text(d.minutes)} minutes` : ''}` : '';
    case 'admin.setup': return d.organisation ? `for ${text(d.organisation)}` : '';
    case 'admin_key.created': return d.keyId ? `key ${text(d.keyId)}` : '';
    case 'webhook.created': return `${eventTypesWords(d.eventTypes)}${d.enabled === false ? ', not sending yet' : ''}`;
    case 'webhook.changed': return webhookChangeWords(d);
    case 'webhook.secret_rotated': return d.previousSecretHours === 0 ? 'the old secret stopped at once' : `the old secret also signs for ${text(d.previousSecretHours)} hours`;
    case 'webhook.resumed': return d.pausedReason ? `it had been paused: ${text(d.pausedReason)}` : '';
    case 'webhook.removed': return '';
    case 'card_ready_email.changed': return d.on === true ? 'now on' : 'now off';
    case 'email.template_saved': case 'email.template_reset': return e.target ? `the ${e.target.replace(/_/g, ' ')} email` : '';
    case 'admin.sso_signed_in': return [d.provider ? `with ${text(d.provider)}` : '', d.addressRefused ? `kept this address: the provider's new one, ${text(d.addressRefused)}, belongs to another account` : ''].filter(Boolean).join('; ');
    case 'admin.sso_linked': return `${d.provider ? `at ${text(d.provider)}` : ''}${d.previousIssuer ? `, moved from ${text(d.previousIssuer)}` : ''}`;
    case 'admin.sso_email_changed': return `${text(d.before) || '?'} → ${text(d.after) || '?'}${d.provider ? `, by ${text(d.provider)}` : ''}`;
    case 'admin.sso_created': return [d.provider ? `by ${text(d.provider)}` : '', d.role ? `as ${text(d.role)}` : ''].filter(Boolean).join(', ');
    case 'admin.sso_refused': return d.reason ? ssoErrorWords(text(d.reason)) : text(d.detail);
    case 'sso.configured': return [d.issuer ? text(d.issuer) : '', d.passwordsOff === true ? 'passwords off' : 'passwords on'].filter(Boolean).join(', ');
    default: return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  }
}
