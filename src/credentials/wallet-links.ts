/**
 * The links that put a person's passes in their wallets, for whoever delivers them (issue 14,
 * item 4): the Apple download link (signed, expiring: apple-passes.ts) and Google's "Save to
 * Google Wallet" link (a signed JWT: credentials/google/save-link.ts), of the person's newest
 * valid pass of each kind. The pass-delivery email template (item 1) fills its placeholders from
 * this; the admin API serves it too, so the links can be passed on by hand meanwhile.
 */
import type { MasterList, Store } from '../store/index.js';
import type { ApplePasses } from './apple/apple-passes.js';
import type { GoogleWallet } from './google/google-wallet.js';

export interface WalletLinks {
  readonly apple: { readonly credentialId: string; readonly url: string; readonly expiresAt: string } | null;
  readonly google: { readonly credentialId: string; readonly saveUrl: string } | null;
}

/** How long an emailed Apple link works: long enough to be read after a weekend. */
export const WALLET_LINK_HOURS = 72;

export class WalletLinkBuilder {
  constructor(private readonly store: Store, private readonly apple: ApplePasses, private readonly google: GoogleWallet) {}

  /** `origin`: the request's, used only where MUSTER_PUBLIC_URL is not set. Null links: no valid pass of that kind. */
  async forPerson(list: MasterList, personId: string, origin: string, ttlHours = WALLET_LINK_HOURS): Promise<WalletLinks> {
    const person = await this.store.users.get(list.id, personId);
    if (!person) return { apple: null, google: null };
    // Newest first (CredentialsRepo.forPerson).
    const valid = (await this.store.credentials.forPerson(person.id)).filter((c) => c.list_id === list.id && c.status === 'valid');
    const applePass = valid.find((c) => c.kind === 'apple_pass');
    const googlePass = valid.find((c) => c.kind === 'google_pass');
    const info = googlePass ? await this.google.passInfo(googlePass, origin) : undefined;
    return {
      apple: applePass ? { credentialId: applePass.id, ...this.apple.downloadLink(applePass, origin, ttlHours * 3600) } : null,
      google: googlePass && info?.saveUrl ? { credentialId: googlePass.id, saveUrl: info.saveUrl } : null,
    };
  }
}
