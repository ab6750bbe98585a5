/**
 * Whether an organisation can issue each kind of credential now, and if not why and where to set
 * it up (issue 14, item 4). The admin API adds this to a person and their credentials, so the web
 * app disables the wallet buttons with the reason instead of letting them be clicked into a 409.
 */
import { INSTALLATION, type Repos } from '../store/index.js';

export type WalletSource = 'organisation' | 'installation';

export interface IssueCapability {
  readonly available: boolean;
  /** Whose wallet credentials a pass would be issued under; null for cards and when unavailable. */
  readonly source: WalletSource | null;
  /** Why it cannot be issued, in words an administrator acts on. */
  readonly reason: string | null;
  /** The web app's page that sets it up. */
  readonly setupUrl: string | null;
}

export interface IssueCapabilities {
  readonly card: IssueCapability;
  readonly apple_pass: IssueCapability;
  readonly google_pass: IssueCapability;
}

/** The Wallets page of the web app, where an owner or admin sets up their organisation's wallets. */
export const WALLET_SETUP_URL = '/settings/wallets';

const ok = (source: WalletSource | null): IssueCapability => ({ available: true, source, reason: null, setupUrl: null });
const missing = (reason: string): IssueCapability => ({ available: false, source: null, reason, setupUrl: WALLET_SETUP_URL });

export async function issueCapabilities(repos: Pick<Repos, 'appleWallet' | 'googleWallet'>, orgId: string): Promise<IssueCapabilities> {
  const [apple, appleShared, google, googleShared] = await Promise.all([
    repos.appleWallet.settings(orgId), repos.appleWallet.settings(INSTALLATION), repos.googleWallet.settings(orgId), repos.googleWallet.settings(INSTALLATION),
  ]);
  return {
    card: ok(null),
    apple_pass: apple ? ok('organisation') : appleShared ? ok('installation')
      : missing('Apple Wallet is not set up: upload your Pass Type ID certificate, or ask the operator to set one for the installation'),
    google_pass: google ? ok('organisation') : googleShared ? ok('installation')
      : missing('Google Wallet is not set up: add your issuer account, or ask the operator to set one for the installation'),
  };
}
