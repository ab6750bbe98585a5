/** The organisation's wallet settings: Apple Wallet and Google Wallet. Secrets go in, only metadata comes back. */
import { useSession } from '../../session';
import { AppleWalletSection } from './apple-wallet-section';
import { GoogleWalletSection } from './google-wallet-section';

export function WalletsPage() {
  const { canWrite } = useSession();
  return (
    <section className="wallets">
      <h1>Wallet settings</h1>
      <p>Set these up once for your organisation, then issue Apple and Google Wallet passes from a person’s page.
        Certificates and keys are stored encrypted and are never shown again.</p>
      {!canWrite ? <p>Read-only: viewers cannot change wallet settings.</p> : null}
      <AppleWalletSection />
      <GoogleWalletSection />
    </section>
  );
}
