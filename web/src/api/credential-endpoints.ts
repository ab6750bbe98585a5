/** Typed calls of the photo, credential, card and wallet routes (docs/photos.md, docs/cards.md, docs/credentials.md). */
import { apiUrl, request, requestBlob, upload } from './client';
import type { CardTemplate, TemplateRecord } from './card-template';
import type {
  AppleWalletView, BulkApproval, CapturePerson, Credential, CredentialKind, GoogleWalletView, IssueCapabilities, Photo, PhotoLink, PhotoQueue, PhotoStatus,
  WalletBranding,
} from './credential-types';
import type { Job } from './types';

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

export const wallets = {
  apple: () => request<AppleWalletView>('GET', '/apple-wallet'),
  putApple: (b: Record<string, string>) => request<AppleWalletView>('PUT', '/apple-wallet', b),
  removeApple: () => request<void>('DELETE', '/apple-wallet'),
  google: () => request<GoogleWalletView>('GET', '/google-wallet'),
  putGoogle: (b: { issuerId: string; serviceAccountKey: unknown }) => request<GoogleWalletView>('PUT', '/google-wallet', b),
  removeGoogle: () => request<void>('DELETE', '/google-wallet'),
  branding: () => request<WalletBranding>('GET', '/wallet-branding'),
  putBranding: (b: { backgroundColor: string | null; foregroundColor: string | null; logoUrl: string | null }) => request<WalletBranding>('PUT', '/wallet-branding', b),
};

export const capture = {
  search: (listId: string, q: string) => request<{ people: CapturePerson[] }>('GET', `${L(listId)}/capture/people`, undefined, { q }),
  settings: () => request<{ approveOnCapture: boolean }>('GET', '/capture-settings'),
  configure: (approveOnCapture: boolean) => request<{ approveOnCapture: boolean }>('PUT', '/capture-settings', { approveOnCapture }),
};
