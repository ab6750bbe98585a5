/** Typed calls of the photo, credential, card and wallet routes (docs/photos.md, docs/cards.md, docs/credentials.md). */
import { apiUrl, request, requestBlob, upload } from './client';
import type { CardTemplate, TemplateRecord } from './card-template';
import type {
  AppleWalletView, BulkApproval, CapturePerson, Credential, CredentialKind, GoogleWalletView, IssueCapabilities, Photo, PhotoLink, PhotoQueue, PhotoStatus,
  WalletBranding,
} from './credential-types';
import type { Job } from './types';
import type { EmailMessage } from './email-types';
import type { SecurityEvent } from './security-types';

const L = (listId: string) => `/lists/${encodeURIComponent(listId)}`;
const P = (listId: string, personId: string) => `${L(listId)}/people/${encodeURIComponent(personId)}`;
const e = encodeURIComponent;

export const photos = {
  queue: (listId: string, status: PhotoStatus, after?: string, limit = 50) =>
    request<PhotoQueue>('GET', `${L(listId)}/photos`, undefined, { status, after, limit }),
  imageUrl: (listId: string, photoId: string) => apiUrl(`${L(listId)}/photos/${e(photoId)}/image`),
  /** The approved photo of a person (404 when there is none); `v` busts the browser's cache after a change. */
  approvedUrl: (listId: string, personId: string, v?: string) => apiUrl(`${P(listId, personId)}/photo`, { v }),
  ofPerson: (listId: string, personId: string) => request<{ photos: Photo[] }>('GET', `${P(listId, personId)}/photos`),
  /** `approve`: a capture-session shot approved in the same step (the organisation's approveOnCapture must be on). */
  upload: (listId: string, personId: string, file: Blob, source: 'admin' | 'capture' = 'admin', approve = false) =>
    upload<Photo>(`${P(listId, personId)}/photo`, file, source === 'capture' ? { source, ...(approve ? { approve: 'true' } : {}) } : undefined),
  link: (listId: string, personId: string, b: { hours?: number; attempts?: number; consentText?: string }) =>
    request<PhotoLink>('POST', `${P(listId, personId)}/photo-link`, b),
  approve: (listId: string, photoId: string) => request<Photo>('POST', `${L(listId)}/photos/${e(photoId)}/approve`),
  reject: (listId: string, photoId: string, reason: string) => request<Photo>('POST', `${L(listId)}/photos/${e(photoId)}/reject`, { reason }),
  approveMany: (listId: string, ids: readonly string[]) => request<BulkApproval>('POST', `${L(listId)}/photos/approve`, { ids }),
};

export const credentials = {
  ofPerson: (listId: string, personId: string) => request<{ credentials: Credential[]; issue: IssueCapabilities }>('GET', `${P(listId, personId)}/credentials`),
  issue: (listId: string, personId: string, kind: CredentialKind) => request<Credential>('POST', `${P(listId, personId)}/credentials`, { kind }),
  act: (listId: string, id: string, action: 'suspend' | 'revoke' | 'reinstate', reason?: string) =>
    request<Credential>('POST', `${L(listId)}/credentials/${e(id)}/${action}`, reason ? { reason } : {}),
  pkpassUrl: (listId: string, id: string) => apiUrl(`${L(listId)}/credentials/${e(id)}/pkpass`),
  pkpassLink: (listId: string, id: string, ttlHours: number) =>
    request<{ url: string; expiresAt: string }>('POST', `${L(listId)}/credentials/${e(id)}/pkpass-link`, { ttlHours }),
};

export const cards = {
  templates: (listId: string) => request<{ templates: TemplateRecord[] }>('GET', `${L(listId)}/card-templates`),
  template: (listId: string, id: string) => request<TemplateRecord>('GET', `${L(listId)}/card-templates/${e(id)}`),
  create: (listId: string, t: CardTemplate) => request<TemplateRecord>('POST', `${L(listId)}/card-templates`, t),
  save: (listId: string, id: string, t: CardTemplate) => request<TemplateRecord>('PUT', `${L(listId)}/card-templates/${e(id)}`, t),
  remove: (listId: string, id: string) => request<void>('DELETE', `${L(listId)}/card-templates/${e(id)}`),
  preview: (listId: string, personId: string, template: CardTemplate) => requestBlob('POST', `${L(listId)}/card-templates/preview`, { personId, template }),
  print: (listId: string, b: { templateId: string; layout: string; sides: string; personIds?: readonly string[]; reissue?: boolean }) =>
    request<Job>('POST', `${L(listId)}/print-jobs`, b),
  pdfUrl: (listId: string, jobId: string) => apiUrl(`${L(listId)}/print-jobs/${e(jobId)}/pdf`),
};

/**
 * Whose wallet credentials a settings screen edits: the organisation's (Wallet settings) or the
 * installation's (the installation owner's screen); the same calls, under another path.
 */
export type WalletScope = 'organisation' | 'installation';
const W = (scope: WalletScope) => (scope === 'installation' ? '/installation' : '');

export const wallets = {
  apple: (scope: WalletScope = 'organisation') => (scope === 'installation'
    ? request<{ apple: AppleWalletView }>('GET', '/installation/wallets').then((v) => v.apple)
    : request<AppleWalletView>('GET', '/apple-wallet')),
  putApple: (b: Record<string, string>, scope: WalletScope = 'organisation') => request<AppleWalletView>('PUT', `${W(scope)}/apple-wallet`, b),
  removeApple: (scope: WalletScope = 'organisation') => request<void>('DELETE', `${W(scope)}/apple-wallet`),
  google: (scope: WalletScope = 'organisation') => (scope === 'installation'
    ? request<{ google: GoogleWalletView }>('GET', '/installation/wallets').then((v) => v.google)
    : request<GoogleWalletView>('GET', '/google-wallet')),
  putGoogle: (b: { issuerId: string; serviceAccountKey: unknown }, scope: WalletScope = 'organisation') => request<GoogleWalletView>('PUT', `${W(scope)}/google-wallet`, b),
  removeGoogle: (scope: WalletScope = 'organisation') => request<void>('DELETE', `${W(scope)}/google-wallet`),
  branding: () => request<WalletBranding>('GET', '/wallet-branding'),
  putBranding: (b: { backgroundColor: string | null; foregroundColor: string | null; logoUrl: string | null; logo?: string | null }) => request<WalletBranding>('PUT', '/wallet-branding', b),
  installationEvents: () => request<{ events: SecurityEvent[] }>('GET', '/installation/security-events', undefined, { limit: 20 }),
  /** Emails the person their wallet passes (issuing those they lack). */
  emailPasses: (listId: string, personId: string) =>
    request<{ message: EmailMessage; issued: string[]; apple: boolean; google: boolean }>('POST', `${L(listId)}/people/${e(personId)}/wallet-passes/email`, {}),
  /** Emails wallet passes to the people named, or everyone active on the list, as a job. */
  emailPassesToMany: (listId: string, personIds?: readonly string[]) =>
    request<{ jobId: string }>('POST', `${L(listId)}/wallet-passes/email`, personIds ? { personIds } : {}),
};

export const capture = {
  search: (listId: string, q: string) => request<{ people: CapturePerson[] }>('GET', `${L(listId)}/capture/people`, undefined, { q }),
  settings: () => request<{ approveOnCapture: boolean }>('GET', '/capture-settings'),
  configure: (approveOnCapture: boolean) => request<{ approveOnCapture: boolean }>('PUT', '/capture-settings', { approveOnCapture }),
};
