/** The shapes of the photo, credential, print and wallet routes (src/http/credential-routes.ts, docs/photos.md, docs/credentials.md). */

export type PhotoStatus = 'pending' | 'approved' | 'rejected' | 'superseded';

export interface PhotoMetrics {
  readonly brightness?: number;
  readonly sharpness?: number;
  readonly [key: string]: unknown;
}

export interface Photo {
  readonly id: string;
  readonly personId: string;
  readonly status: PhotoStatus;
  readonly source: 'admin' | 'self' | 'capture' | string;
  readonly width: number;
  readonly height: number;
  readonly metrics: PhotoMetrics | null;
  readonly rejectReason: string | null;
  readonly uploadedBy: string;
  readonly createdAt: string;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  /** Only in the review queue. */
  readonly personName?: string | null;
}

export interface PhotoQueue {
  readonly photos: readonly Photo[];
  readonly counts: Readonly<Partial<Record<PhotoStatus, number>>>;
  readonly next: string | null;
}

export interface PhotoLink {
  readonly url: string;
  readonly expiresAt: string;
  readonly attemptsLeft: number;
}

export interface BulkApproval {
  readonly approved: readonly string[];
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
}

export type CredentialKind = 'card' | 'apple_pass' | 'google_pass';
export type CredentialStatus = 'valid' | 'suspended' | 'revoked';

export interface Credential {
  readonly id: string;
  readonly personId: string;
  readonly kind: CredentialKind | string;
  readonly status: CredentialStatus;
  readonly statusReason: string | null;
  readonly verifyUrl: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly google?: {
    readonly objectId: string;
    readonly state: string;
    readonly lastError: string | null;
    readonly saveUrl: string | null;
  } | null;
}

/** Whether a kind can be issued now, and if not why and where to set it up (issue 14, item 4). */
export interface IssueCapability {
  readonly available: boolean;
  readonly source: 'organisation' | 'installation' | null;
  readonly reason: string | null;
  readonly setupUrl: string | null;
}
export type IssueCapabilities = Readonly<Record<CredentialKind, IssueCapability>>;

/** A person found in a capture session, with their current photo. */
export interface CapturePerson {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly photo: 'approved' | 'pending' | null;
  readonly matchedBy: 'barcode' | 'exact' | 'search';
}

export interface WalletBranding {
  readonly backgroundColor: string | null;
  readonly foregroundColor: string | null;
  readonly logoUrl: string | null;
  /** Whether a logo image is uploaded (Apple passes carry it). */
  readonly logoImage: boolean;
  readonly updatedAt: string | null;
}

export interface CertificateView {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint: string;
}

export interface AppleWalletView {
  readonly configured: boolean;
  /** Whose certificate the organisation's passes use: its own, the installation's, or none. */
  readonly source?: 'organisation' | 'installation' | null;
  readonly passTypeIdentifier?: string;
  readonly teamIdentifier?: string;
  readonly organizationName?: string;
  readonly certificate?: CertificateView;
  readonly wwdrCertificate?: CertificateView;
  readonly updatedAt?: string;
  readonly warnings?: readonly string[];
}

export interface GoogleWalletView {
  readonly configured: boolean;
  readonly source?: 'organisation' | 'installation' | null;
  readonly issuerId?: string;
  readonly classId?: string;
  readonly serviceAccount?: { readonly clientEmail: string; readonly keyId: string };
  readonly updatedAt?: string;
}

export interface PrintSkip {
  readonly id: string;
  readonly reason: string;
  readonly message?: string;
}

export interface PrintResult {
  readonly pages: number;
  readonly printed: number;
  readonly skipped: readonly PrintSkip[];
  readonly skippedCount: number;
  readonly layout: string;
}
