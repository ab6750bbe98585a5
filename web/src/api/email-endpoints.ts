/** Typed calls of the email routes (docs/email.md). */
import { request } from './client';
import type { EmailedLink, EmailKind, EmailMessage, EmailPreview, EmailSettings, EmailTemplateDraft, EmailTemplateView } from './email-types';

const e = encodeURIComponent;

export const email = {
  settings: () => request<EmailSettings>('GET', '/email'),
  saveSettings: (b: { senderName?: string | null; replyTo?: string | null; cardReadyEmail?: boolean }) => request<EmailSettings>('PUT', '/email', b),
  templates: () => request<{ templates: EmailTemplateView[] }>('GET', '/email/templates'),
  saveTemplate: (kind: EmailKind, b: EmailTemplateDraft) => request<EmailTemplateView>('PUT', `/email/templates/${e(kind)}`, b),
  resetTemplate: (kind: EmailKind) => request<EmailTemplateView>('DELETE', `/email/templates/${e(kind)}`),
  preview: (kind: EmailKind, b: EmailTemplateDraft) => request<EmailPreview>('POST', `/email/templates/${e(kind)}/preview`, b),
  messages: (q: { personId?: string; state?: string; limit?: number } = {}) => request<{ messages: EmailMessage[] }>('GET', '/email/messages', undefined, q),
  sendPhotoLink: (listId: string, personId: string, b: { hours?: number; attempts?: number; consentText?: string }) =>
    request<EmailedLink>('POST', `/lists/${e(listId)}/people/${e(personId)}/photo-link/email`, b),
};
