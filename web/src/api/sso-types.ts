/** Single sign-on with the organisation's OpenID Connect provider (GET/PUT /api/v1/sso, docs/sso.md). */
import type { Role } from './types';

export interface SsoSettings {
  readonly configured: boolean;
  readonly displayName?: string;
  readonly issuer?: string;
  readonly clientId?: string;
  readonly allowedDomains?: readonly string[];
  readonly groupClaim?: string | null;
  readonly groupRoles?: readonly { readonly group: string; readonly role: Role }[];
  readonly defaultRole?: Role;
  readonly passwordsOff?: boolean;
  /** The redirect URI to register at the provider. */
  readonly redirectUri: string;
  /** A sign-in link that offers this organisation's provider at once. */
  readonly signInUrl: string;
}

export interface SsoSettingsInput {
  readonly displayName: string;
  readonly issuer: string;
  readonly clientId: string;
  /** Empty keeps the stored secret. */
  readonly clientSecret?: string;
  readonly allowedDomains: readonly string[];
  readonly groupClaim: string | null;
  readonly groupRoles: readonly { readonly group: string; readonly role: Role }[];
  readonly defaultRole: Role;
  readonly passwordsOff: boolean;
}

/** What the sign-in page learns of an organisation's provider. */
export interface SsoOffer {
  readonly orgId: string;
  readonly name: string;
  readonly passwordsOff: boolean;
}
