/** The email routes' answers (docs/email.md). */
export interface EmailSettings {
  /** Whether this installation sends email at all (MUSTER_SMTP_URL). */
  readonly configured: boolean;
  readonly fromAddress: string | null;
  readonly senderName: string | null;
  readonly replyTo: string | null;
  readonly defaultSenderName: string | null;
  /** Email "your card is ready" to the people of each finished print batch. */
  readonly cardReadyEmail: boolean;
}

export type EmailKind = 'photo_invitation' | 'photo_reminder' | 'wallet_pass' | 'card_ready';

export interface EmailTemplateDraft {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface EmailTemplateView extends EmailTemplateDraft {
  readonly kind: EmailKind;
  readonly label: string;
  readonly values: Readonly<Record<string, string>>;
  readonly required: readonly string[];
  readonly custom: boolean;
  readonly defaults: EmailTemplateDraft;
}

export interface EmailPreview {
  readonly from: { readonly name: string | null; readonly address: string | null };
  readonly replyTo: string | null;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
}

export type EmailState = 'queued' | 'sending' | 'sent' | 'failed';

export interface EmailMessage {
  readonly id: string;
  readonly kind: string;
  readonly to: string;
  readonly subject: string;
  readonly state: EmailState;
  readonly attempts: number;
  readonly lastReply: string | null;
  readonly nextAttemptAt: string | null;
  readonly listId: string | null;
  readonly personId: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
}

export interface EmailedLink {
  readonly message: EmailMessage;
  readonly expiresAt: string;
  readonly attemptsLeft: number;
}
