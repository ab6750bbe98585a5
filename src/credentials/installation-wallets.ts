/**
 * The installation's own Apple and Google Wallet credentials (issue 14, item 4), as the operator
 * sets them from the CLI (`muster wallets`) or the installation owner's screen in the web app.
 * Validation, sealing and the pass-type guard are the organisations' own (AppleWalletSettings,
 * GoogleWallet); this adds who may and the record: the installation belongs to no organisation
 * and no list, so its changes go to the installation's security log (security_events with
 * org_id = INSTALLATION), which the installation owner reads.
 */
import { INSTALLATION } from '../store/index.js';
import type { AccountContext, AdminAccounts } from '../accounts/admin-accounts.js';
import { AppleWalletError, type AppleWalletSettings } from './apple/apple-wallet-settings.js';
import { WalletSettingsError, type GoogleWallet } from './google/google-wallet.js';

export class InstallationWallets {
  constructor(private readonly apple: AppleWalletSettings, private readonly google: GoogleWallet, private readonly accounts: AdminAccounts) {}

  async view() {
    return { apple: await this.apple.view(INSTALLATION), google: await this.google.view(INSTALLATION) };
  }

  async putApple(b: Readonly<Record<string, unknown>>, ctx: AccountContext) {
    const v = await this.apple.put(INSTALLATION, b, { actor: ctx.actor });
    await this.accounts.log(INSTALLATION, 'installation.apple_wallet_set', ctx, v.passTypeIdentifier ?? null, {
      passTypeIdentifier: v.passTypeIdentifier, teamIdentifier: v.teamIdentifier, certificateFingerprint: v.certificate?.fingerprint, certificateExpires: v.certificate?.notAfter,
    });
    return v;
  }

  async removeApple(ctx: AccountContext): Promise<void> {
    const before = await this.apple.view(INSTALLATION);
    if (!before.configured) throw new AppleWalletError(404, 'not_found', 'the installation has no Apple Wallet certificate');
    await this.apple.remove(INSTALLATION, { actor: ctx.actor });
    await this.accounts.log(INSTALLATION, 'installation.apple_wallet_removed', ctx, before.passTypeIdentifier ?? null);
  }

  async putGoogle(b: Record<string, unknown>, ctx: AccountContext) {
    const v = await this.google.configure(INSTALLATION, b, { actor: ctx.actor });
    const issuer = v.configured ? v.issuerId : undefined;
    await this.accounts.log(INSTALLATION, 'installation.google_wallet_set', ctx, issuer ?? null, v.configured ? { issuerId: v.issuerId, serviceAccount: v.serviceAccount.clientEmail, keyId: v.serviceAccount.keyId } : undefined);
    return v;
  }

  async removeGoogle(ctx: AccountContext): Promise<void> {
    const before = await this.google.view(INSTALLATION);
    if (!before.configured) throw new WalletSettingsError(404, 'not_found', 'the installation has no Google Wallet issuer account');
    await this.google.remove(INSTALLATION, { actor: ctx.actor });
    await this.accounts.log(INSTALLATION, 'installation.google_wallet_removed', ctx, before.configured ? before.issuerId : null);
  }

  /** The installation's security log: its wallet credentials set and removed, and by whom. */
  events(limit: number, before?: number) {
    return this.accounts.securityEvents(INSTALLATION, limit, before);
  }
}
