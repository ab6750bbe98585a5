/**
 * What the admin app and other services ask of email (docs/email.md): whether this installation
 * sends email, an organisation's sender name, reply-to and templates, previews, queueing a message
 * to a person, and the self-upload invitation. Messages are queued here and sent by the outbox.
 */
import type { SmtpSettings } from '../config.js';
import { EMAIL_ADDRESS } from '../config.js';
import type { AdminAccounts } from '../accounts/admin-accounts.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { holderName } from '../credentials/credential-service.js';
import type { LinkOptions, PhotoService } from '../credentials/photo-service.js';
import type { EmailMessageRow, EmailState, MasterList, NewEmailMessageRow, Repos, Store } from '../store/index.js';
import { checkTemplate, DEFAULT_TEMPLATES, EMAIL_KINDS, isEmailKind, KINDS, LIMITS, renderEmail, type EmailKind, type EmailTemplate } from './templates.js';
import { newId } from '../runtime/ids.js';

export class EmailError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 422, readonly code: string, message: string, readonly problems: readonly { field: string; message: string }[] = []) {
    super(message);
    this.name = 'EmailError';
  }
}

export interface EmailMessageView {
  readonly id: string;
  readonly kind: string;
  readonly to: string;
  readonly subject: string;
  readonly state: string;
  readonly attempts: number;
  /** The SMTP server's reply to the last attempt: its acceptance, or why it refused. */
  readonly lastReply: string | null;
  /** When a queued message is tried (again). */
  readonly nextAttemptAt: string | null;
  readonly listId: string | null;
  readonly personId: string | null;
  readonly campaignId: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
}

export const messageView = (m: EmailMessageRow): EmailMessageView => ({
  id: m.id, kind: m.kind, to: m.to_address, subject: m.subject, state: m.state, attempts: Number(m.attempts), lastReply: m.last_reply,
  nextAttemptAt: m.state === 'queued' ? m.next_attempt_at : null, listId: m.list_id, personId: m.person_id, campaignId: m.campaign_id,
  createdAt: m.created_at, sentAt: m.sent_at,
});

/** A person's address: the primary of their SCIM `emails` (RFC 7643 §4.1.2), else the first. */
export function personEmail(doc: Readonly<Record<string, unknown>>): string | undefined {
  const emails = Array.isArray(doc.emails) ? (doc.emails as unknown[]).slice(0, 50) : [];
  const values = emails.filter((e): e is { value: string; primary?: unknown } => typeof e === 'object' && e !== null && typeof (e as { value?: unknown }).value === 'string');
  const chosen = values.find((e) => e.primary === true) ?? values[0];
  const v = chosen?.value.trim();
  return v && EMAIL_ADDRESS.test(v) ? v : undefined;
}

/** A message to queue: to whom, about what, with which values for the organisation's template. */
export interface NewMessage {
  readonly orgId: string;
  readonly listId: string | null;
  readonly personId: string | null;
  readonly kind: EmailKind;
  readonly to: string;
  readonly values: Readonly<Record<string, string>>;
  /** The campaign it belongs to, for counting its progress. */
  readonly campaignId?: string;
  /** The message's id, when the caller must know it before queueing (a campaign records it with the person in one statement). */
  readonly id?: string;
}

/** A message rendered into its outbox row, not yet queued (EmailService.render). */
export type RenderedMessage = NewEmailMessageRow & { readonly id: string };

const STATES: readonly EmailState[] = ['queued', 'sending', 'sent', 'failed'];
/** A link's expiry as a person reads it: "3 June 2031 at 17:00 UTC". */
// One formatter: building an Intl.DateTimeFormat costs far more than formatting with it, and a campaign formats thousands.
const WHEN = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
export const when = (iso: string) => `${WHEN.format(new Date(iso))} UTC`;

export class EmailService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly photos: PhotoService,
    private readonly smtp: SmtpSettings | undefined,
    /** The organisation's security log: sender, reply-to, templates and the card-ready setting are operator changes (issue 14). */
    private readonly security: Pick<AdminAccounts, 'log'> | undefined = undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get configured(): boolean {
    return this.smtp !== undefined;
  }

  private requireSmtp(): void {
    if (!this.smtp) throw new EmailError(409, 'email_not_configured', 'this Muster sends no email: its operator has not set MUSTER_SMTP_URL. Copy the link and pass it on yourself.');
  }

  /** Whether email works here, from which address, and the organisation's sender name and reply-to. */
  async settings(orgId: string, repos: Repos = this.store) {
    const row = await repos.email.settings(orgId);
    const org = await repos.lists.organisation(orgId);
    return {
      configured: this.configured, fromAddress: this.smtp?.fromAddress ?? null,
      senderName: row?.sender_name ?? null, replyTo: row?.reply_to ?? null,
      /** What recipients see as the sender when no sender name is set. */
      defaultSenderName: org?.name ?? this.smtp?.fromName ?? null,
      /** Email "your card is ready" to each person on a finished print batch. */
      cardReadyEmail: await repos.lists.cardReadyEmail(orgId),
    };
  }

  private async logChange(orgId: string, action: 'email.settings_changed' | 'email.template_saved' | 'email.template_reset' | 'card_ready_email.changed', meta: RequestMeta & { address?: string }, target: string | null, detail?: Record<string, unknown>): Promise<void> {
    await this.security?.log(orgId, action, { actor: meta.actor, ...(meta.address ? { address: meta.address } : {}) }, target, detail);
  }

  async saveSettings(orgId: string, b: Readonly<Record<string, unknown>>, meta: RequestMeta) {
    const unknown = Object.keys(b).filter((k) => k !== 'senderName' && k !== 'replyTo' && k !== 'cardReadyEmail');
    if (unknown.length) throw new EmailError(400, 'invalid_body', `unknown properties: ${unknown.join(', ')}; send senderName, replyTo and cardReadyEmail`);
    if (b.cardReadyEmail !== undefined && typeof b.cardReadyEmail !== 'boolean') throw new EmailError(400, 'invalid_body', 'cardReadyEmail must be true or false');
    const text = (v: unknown, name: string, max: number): string | null => {
      if (v === undefined || v === null || v === '') return null;
      if (typeof v !== 'string' || v.length > max || /[\r\n<>"]/.test(v)) throw new EmailError(400, 'invalid_body', `${name} must be one line of up to ${max} characters, without < > or "`);
      return v.trim() || null;
    };
    const senderName = text(b.senderName, 'senderName', 100);
    const replyTo = text(b.replyTo, 'replyTo', 254);
    if (replyTo !== null && !EMAIL_ADDRESS.test(replyTo)) throw new EmailError(400, 'invalid_body', 'replyTo must be an email address, such as office@example.com');
    const before = await this.settings(orgId);
    // Only what was sent changes: a PUT of the card-ready switch alone keeps the sender and reply-to.
    const onlySwitch = b.senderName === undefined && b.replyTo === undefined && b.cardReadyEmail !== undefined;
    if (!onlySwitch) await this.store.email.saveSettings({ org_id: orgId, sender_name: senderName, reply_to: replyTo, updated_at: this.now().toISOString(), updated_by: meta.actor });
    if (typeof b.cardReadyEmail === 'boolean') await this.store.lists.setCardReadyEmail(orgId, b.cardReadyEmail);
    if (!onlySwitch && (before.senderName !== senderName || before.replyTo !== replyTo)) {
      await this.logChange(orgId, 'email.settings_changed', meta, null, { senderName: { before: before.senderName, after: senderName }, replyTo: { before: before.replyTo, after: replyTo } });
    }
    if (typeof b.cardReadyEmail === 'boolean' && b.cardReadyEmail !== before.cardReadyEmail) await this.logChange(orgId, 'card_ready_email.changed', meta, null, { on: b.cardReadyEmail });
    return this.settings(orgId);
  }

  private async template(orgId: string, kind: EmailKind, repos: Repos = this.store): Promise<EmailTemplate & { custom: boolean }> {
    const row = await repos.email.template(orgId, kind);
    return row ? { subject: row.subject, text: row.text_body, html: row.html_body ?? '', custom: true } : { ...DEFAULT_TEMPLATES[kind], custom: false };
  }

  /** Every kind of message, with the organisation's wording (or the default) and the values it may use. */
  async templates(orgId: string) {
    const rows = new Map((await this.store.email.templates(orgId)).map((r) => [r.kind, r]));
    return EMAIL_KINDS.map((kind) => {
      const row = rows.get(kind);
      const t = row ? { subject: row.subject, text: row.text_body, html: row.html_body ?? '' } : DEFAULT_TEMPLATES[kind];
      return { kind, label: KINDS[kind].label, values: KINDS[kind].values, required: KINDS[kind].required, ...t, custom: !!row, defaults: DEFAULT_TEMPLATES[kind] };
    });
  }

  private kindOf(kind: string): EmailKind {
    if (!isEmailKind(kind)) throw new EmailError(404, 'not_found', `no kind of message "${kind}"; the kinds are ${EMAIL_KINDS.join(', ')}`);
    return kind;
  }

  private parseTemplate(kind: EmailKind, b: Readonly<Record<string, unknown>>): EmailTemplate {
    const unknown = Object.keys(b).filter((k) => k !== 'subject' && k !== 'text' && k !== 'html');
    if (unknown.length) throw new EmailError(400, 'invalid_body', `unknown properties: ${unknown.join(', ')}; send subject, text and html`);
    for (const k of ['subject', 'text', 'html'] as const) {
      if (b[k] !== undefined && b[k] !== null && typeof b[k] !== 'string') throw new EmailError(400, 'invalid_body', `${k} must be text`);
      if (typeof b[k] === 'string' && (b[k] as string).length > LIMITS[k] * 2) throw new EmailError(400, 'invalid_body', `${k} is far too long`);
    }
    const t = { subject: (b.subject as string | undefined) ?? '', text: (b.text as string | undefined) ?? '', html: (b.html as string | undefined) ?? '' };
    const problems = checkTemplate(kind, t);
    if (problems.length) throw new EmailError(422, 'invalid_template', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    return t;
  }

  async saveTemplate(orgId: string, kind: string, b: Readonly<Record<string, unknown>>, meta: RequestMeta) {
    const k = this.kindOf(kind);
    const t = this.parseTemplate(k, b);
    await this.store.email.saveTemplate({ org_id: orgId, kind: k, subject: t.subject, text_body: t.text, html_body: t.html.trim() ? t.html : null, updated_at: this.now().toISOString(), updated_by: meta.actor });
    await this.logChange(orgId, 'email.template_saved', meta, k, { subject: t.subject, html: t.html.trim() !== '' });
    return (await this.templates(orgId)).find((x) => x.kind === k)!;
  }

  /** Back to Muster's wording. */
  async resetTemplate(orgId: string, kind: string, meta: RequestMeta = { actor: 'system' }) {
    const k = this.kindOf(kind);
    const custom = await this.store.email.template(orgId, k);
    await this.store.email.deleteTemplate(orgId, k);
    if (custom) await this.logChange(orgId, 'email.template_reset', meta, k);
    return (await this.templates(orgId)).find((x) => x.kind === k)!;
  }

  /** A message as a person would get it, from a draft (or the saved template), with sample values. */
  async preview(orgId: string, kind: string, draft: Readonly<Record<string, unknown>> | undefined) {
    const k = this.kindOf(kind);
    const t = draft && Object.keys(draft).length ? this.parseTemplate(k, draft) : await this.template(orgId, k);
    const org = await this.store.lists.organisation(orgId);
    const s = await this.settings(orgId);
    const r = renderEmail(t, { ...KINDS[k].sample, organisation: org?.name ?? KINDS[k].sample.organisation! });
    return { from: { name: s.senderName ?? s.defaultSenderName, address: s.fromAddress }, replyTo: s.replyTo, subject: r.subject, text: r.text, html: r.html ?? null };
  }

  async messages(orgId: string, q: { personId?: string; state?: string; limit?: number }) {
    if (q.state !== undefined && !(STATES as readonly string[]).includes(q.state)) throw new EmailError(400, 'invalid_parameter', `state must be one of ${STATES.join(', ')}`);
    return (await this.store.email.recent(orgId, { ...(q.personId ? { personId: q.personId } : {}), ...(q.state ? { state: q.state as EmailState } : {}), limit: q.limit ?? 50 })).map(messageView);
  }

  /**
   * Queues messages in the caller's transaction (with the change that caused them), rendered now
   * with the organisation's template, sender name and reply-to. A campaign passes thousands.
   */
  async enqueue(tx: Repos, messages: readonly NewMessage[], meta: RequestMeta): Promise<string[]> {
    const rows = await this.render(tx, messages, meta);
    await this.enqueueRendered(tx, rows);
    return rows.map((r) => r.id);
  }

  /**
   * Renders messages into outbox rows without queueing them: a campaign renders a batch before its
   * transaction (reading templates and settings through `from`, the store), so that the
   * transaction holds SQLite's one connection only for its writes (bench/RESULTS.md, "A photo campaign").
   */
  async render(from: Repos, messages: readonly NewMessage[], meta: RequestMeta): Promise<RenderedMessage[]> {
    this.requireSmtp();
    const at = this.now().toISOString();
    const byOrg = new Map<string, { settings: Awaited<ReturnType<EmailService['settings']>>; templates: Map<EmailKind, EmailTemplate>; org: string }>();
    const rows: RenderedMessage[] = [];
    for (const m of messages) {
      let o = byOrg.get(m.orgId);
      if (!o) {
        o = { settings: await this.settings(m.orgId, from), templates: new Map(), org: (await from.lists.organisation(m.orgId))?.name ?? '' };
        byOrg.set(m.orgId, o);
      }
      let t = o.templates.get(m.kind);
      if (!t) {
        t = await this.template(m.orgId, m.kind, from);
        o.templates.set(m.kind, t);
      }
      const r = renderEmail(t, { organisation: o.org, ...m.values });
      const id = m.id ?? newId();
      rows.push({
        id, org_id: m.orgId, list_id: m.listId, person_id: m.personId, campaign_id: m.campaignId ?? null, kind: m.kind, to_address: m.to,
        from_name: o.settings.senderName ?? o.settings.defaultSenderName, reply_to: o.settings.replyTo, subject: r.subject, text_body: r.text, html_body: r.html ?? null,
        message_id: `<${id}@${this.smtp!.fromAddress.split('@')[1]}>`, state: 'queued', attempts: 0, next_attempt_at: at, leased_by: null, lease_until: null,
        last_reply: null, created_at: at, created_by: meta.actor, updated_at: at, sent_at: null,
      });
    }
    return rows;
  }

  /** Queues rendered messages in the caller's transaction. */
  async enqueueRendered(tx: Repos, rows: readonly RenderedMessage[]): Promise<void> {
    this.requireSmtp();
    if (rows.length) await tx.email.enqueue(rows);
  }

  /** Creates a self-upload link for the person and emails it to them: the link is never shown to the admin. */
  async invitePhoto(list: MasterList, personId: string, opts: LinkOptions, meta: RequestMeta, origin: string) {
    this.requireSmtp();
    const person = await this.store.users.get(list.id, personId);
    if (!person) throw new EmailError(404, 'not_found', `no person "${personId}" on this list`);
    const to = personEmail(person.data);
    if (!to) throw new EmailError(422, 'no_email_address', 'this person has no email address on the list: copy the link and pass it on yourself');
    const link = await this.photos.createLink(list, personId, opts, meta, origin);
    // The message as this request queued it, read in its transaction (the outbox may be sending it by the time we answer).
    const message = await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      const ids = await this.enqueue(tx, [{ orgId: list.orgId, listId: list.id, personId, kind: 'photo_invitation', to, values: { name: holderName(person.data), link: link.url, expires: when(link.expiresAt) } }], meta);
      await this.audit.record(tx, list.id, { action: 'email.queued', target: { type: 'person', id: personId, name: holderName(person.data) }, detail: { messageId: ids[0], kind: 'photo_invitation', to } }, meta);
      return messageView((await tx.email.get(ids[0]!))!);
    });
    return { message, expiresAt: link.expiresAt, attemptsLeft: link.attemptsLeft };
  }
}
