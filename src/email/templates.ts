/**
 * Email templates: the kinds of message Muster sends, their default wording, the values each may
 * use, and rendering. Pure: no I/O. A template is a subject, a plain-text body and an optional
 * HTML body with `{{value}}` placeholders and `{{#value}}…{{/value}}` sections (shown only when
 * the value is not empty). Values are escaped in HTML (a person's name from the IdP is data, never
 * markup); the template itself is the organisation's own HTML, written by its admins.
 */

export type EmailKind = 'photo_invitation' | 'photo_reminder' | 'wallet_pass' | 'card_ready';

export interface EmailTemplate {
  readonly subject: string;
  readonly text: string;
  /** Empty: the message is plain text only. */
  readonly html: string;
}

export interface KindInfo {
  readonly label: string;
  /** Values a template of this kind may use, with what they hold. */
  readonly values: Readonly<Record<string, string>>;
  /** Values the message is useless without (an invitation without its link). */
  readonly required: readonly string[];
  /** What a preview fills in. */
  readonly sample: Readonly<Record<string, string>>;
}

const COMMON = { name: 'the person\'s name', organisation: 'your organisation\'s name' };
const SAMPLE = { name: 'Ada Lovelace', organisation: 'Example College' };

export const KINDS: Readonly<Record<EmailKind, KindInfo>> = {
  photo_invitation: {
    label: 'Photo invitation', values: { ...COMMON, link: 'the person\'s self-upload link', expires: 'when the link stops working' }, required: ['link'],
    sample: { ...SAMPLE, link: 'https://muster.example.com/p/sample-link', expires: '3 June 2031, 17:00 UTC' },
  },
  photo_reminder: {
    label: 'Photo reminder', values: { ...COMMON, link: 'the person\'s self-upload link', expires: 'when the link stops working' }, required: ['link'],
    sample: { ...SAMPLE, link: 'https://muster.example.com/p/sample-link', expires: '3 June 2031, 17:00 UTC' },
  },
  wallet_pass: {
    label: 'Wallet pass delivery', values: { ...COMMON, appleLink: 'the Apple Wallet download link (empty without an Apple pass)', googleLink: 'the "Save to Google Wallet" link (empty without a Google pass)' }, required: [],
    sample: { ...SAMPLE, appleLink: 'https://muster.example.com/passes/apple/sample.pkpass', googleLink: 'https://pay.google.com/gp/v/save/sample' },
  },
  card_ready: { label: 'Your card is ready', values: { ...COMMON }, required: [], sample: SAMPLE },
};

export const EMAIL_KINDS = Object.keys(KINDS) as EmailKind[];

export const isEmailKind = (k: string): k is EmailKind => Object.hasOwn(KINDS, k);

const FOOTER_TEXT = '\n\nIf you were not expecting this message, you can ignore it.';

export const DEFAULT_TEMPLATES: Readonly<Record<EmailKind, EmailTemplate>> = {
  photo_invitation: {
    subject: '{{organisation}}: a photo for your ID card',
    text: 'Hello {{name}},\n\n{{organisation}} needs a photo of you for your ID card. Open this link on your phone and take a photo of yourself:\n\n{{link}}\n\nThe link works until {{expires}}.' + FOOTER_TEXT,
    html: '<p>Hello {{name}},</p>\n<p>{{organisation}} needs a photo of you for your ID card. Open this link on your phone and take a photo of yourself:</p>\n<p><a href="{{link}}">Send my photo</a></p>\n<p>The link works until {{expires}}.</p>\n<p>If you were not expecting this message, you can ignore it.</p>',
  },
  photo_reminder: {
    subject: 'Reminder from {{organisation}}: a photo for your ID card',
    text: 'Hello {{name}},\n\nWe still need a photo of you for your {{organisation}} ID card. Open this link on your phone and take a photo of yourself:\n\n{{link}}\n\nThe link works until {{expires}}.' + FOOTER_TEXT,
    html: '<p>Hello {{name}},</p>\n<p>We still need a photo of you for your {{organisation}} ID card. Open this link on your phone and take a photo of yourself:</p>\n<p><a href="{{link}}">Send my photo</a></p>\n<p>The link works until {{expires}}.</p>\n<p>If you were not expecting this message, you can ignore it.</p>',
  },
  wallet_pass: {
    subject: 'Your {{organisation}} ID for your phone',
    text: 'Hello {{name}},\n\nYour {{organisation}} ID is ready to add to your phone.{{#appleLink}}\n\niPhone (Apple Wallet): {{appleLink}}{{/appleLink}}{{#googleLink}}\n\nAndroid (Google Wallet): {{googleLink}}{{/googleLink}}' + FOOTER_TEXT,
    html: '<p>Hello {{name}},</p>\n<p>Your {{organisation}} ID is ready to add to your phone.</p>\n{{#appleLink}}<p><a href="{{appleLink}}">Add to Apple Wallet</a></p>\n{{/appleLink}}{{#googleLink}}<p><a href="{{googleLink}}">Save to Google Wallet</a></p>\n{{/googleLink}}<p>If you were not expecting this message, you can ignore it.</p>',
  },
  card_ready: {
    subject: 'Your {{organisation}} ID card is ready',
    text: 'Hello {{name}},\n\nYour {{organisation}} ID card is ready.' + FOOTER_TEXT,
    html: '<p>Hello {{name}},</p>\n<p>Your {{organisation}} ID card is ready.</p>\n<p>If you were not expecting this message, you can ignore it.</p>',
  },
};

export const LIMITS = { subject: 200, text: 20_000, html: 100_000 } as const;

const TOKEN = /\{\{\s*([#/]?)([A-Za-z]+)\s*\}\}/g;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[c]!);
}

/** Every problem of a template of `kind`, as `{field, message}`; empty when it can be saved. */
export function checkTemplate(kind: EmailKind, t: EmailTemplate): { field: 'subject' | 'text' | 'html'; message: string }[] {
  const info = KINDS[kind];
  const problems: { field: 'subject' | 'text' | 'html'; message: string }[] = [];
  const allowed = Object.keys(info.values).map((v) => `{{${v}}}`).join(', ');
  for (const field of ['subject', 'text', 'html'] as const) {
    const src = t[field];
    if (src.length > LIMITS[field]) problems.push({ field, message: `at most ${LIMITS[field]} characters` });
    const open: string[] = [];
    for (const m of src.matchAll(TOKEN)) {
      const [, mark, name] = m;
      if (!Object.hasOwn(info.values, name!)) {
        problems.push({ field, message: `{{${mark}${name}}} is not a value of this message; use ${allowed}` });
        continue;
      }
      if (mark === '#') open.push(name!);
      else if (mark === '/') {
        if (open.pop() !== name) problems.push({ field, message: `{{/${name}}} closes a section that is not open` });
      }
    }
    for (const name of open) problems.push({ field, message: `{{#${name}}} is never closed with {{/${name}}}` });
  }
  if (!t.subject.trim()) problems.push({ field: 'subject', message: 'give the message a subject' });
  if (/[\r\n]/.test(t.subject)) problems.push({ field: 'subject', message: 'the subject is one line' });
  if (!t.text.trim()) problems.push({ field: 'text', message: 'the plain-text body is required (mail programs without HTML show it)' });
  for (const r of info.required) {
    if (!new RegExp(`\\{\\{\\s*${r}\\s*\\}\\}`).test(t.text)) problems.push({ field: 'text', message: `the message must contain {{${r}}}` });
    if (t.html.trim() && !new RegExp(`\\{\\{\\s*${r}\\s*\\}\\}`).test(t.html)) problems.push({ field: 'html', message: `the message must contain {{${r}}}` });
  }
  return problems;
}

/**
 * Fills one part of a template. Sections first (not nested: a template is short), then values;
 * unknown placeholders (only in unchecked templates) render empty. Linear in the template's length.
 */
function fill(src: string, values: ReadonlyMap<string, string>, escape: (s: string) => string): string {
  const withSections = src.replace(/\{\{\s*#([A-Za-z]+)\s*\}\}([\s\S]*?)\{\{\s*\/\1\s*\}\}/g, (_m, name: string, inner: string) => (values.get(name) ? inner : ''));
  return withSections.replace(TOKEN, (_m, mark: string, name: string) => (mark ? '' : escape(values.get(name) ?? '')));
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
}

/** The message for these values: plain text as is, HTML with every value escaped, the subject on one line. */
export function renderEmail(t: EmailTemplate, values: Readonly<Record<string, string>>): RenderedEmail {
  const v = new Map(Object.entries(values));
  return {
    subject: fill(t.subject, v, (s) => s).replace(/[\r\n]+/g, ' ').trim(),
    text: fill(t.text, v, (s) => s),
    html: t.html.trim() ? fill(t.html, v, escapeHtml) : undefined,
  };
}
