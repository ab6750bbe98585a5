/** The organisation's wallet settings: Apple Wallet and Google Wallet. Secrets go in, only metadata comes back. */
import { useSession } from '../../session';
import { AppleWalletSection } from './apple-wallet-section';
import { BrandingSection } from './branding-section';
import { GoogleWalletSection } from './google-wallet-section';

export function WalletsPage() {
  const { canWrite } = useSession();
  return (
    <section className="wallets">
      <h1>Wallet settings</h1>
      <p>Issue Apple and Google Wallet passes from a person’s page. Where this installation has wallet credentials of its own,
        your passes use them with your organisation’s name, colours and logo; upload your own below to use them instead.
        Certificates and keys are stored encrypted and are never shown again.</p>
      {!canWrite ? <p>Read-only: viewers cannot change wallet settings.</p> : null}
      <AppleWalletSection />
      <GoogleWalletSection />
      <BrandingSection />
    </section>
  );
}
