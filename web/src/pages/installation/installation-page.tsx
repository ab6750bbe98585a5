/**
 * The installation owner's screen (issue 14, item 4): the installation's own Apple and Google
 * Wallet credentials, which every organisation without its own issues passes under (each with its
 * own name, colours and logo), and who changed them. Only the installation owner sees it; the
 * server refuses everyone else (403 not_installation_owner).
 */
import { api } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { useAsync } from '../../hooks/use-async';
import { actorWords, detailWords, securityActionLabel } from '../../security-words';
import { Link } from '../../router';
import { useSession } from '../../session';
import { AppleWalletSection } from '../wallets/apple-wallet-section';
import { GoogleWalletSection } from '../wallets/google-wallet-section';

export function InstallationPage() {
  const { admin } = useSession();
  if (!admin.installationOwner) {
    return (
      <section>
        <h1>Installation</h1>
        <p>Only the installation’s owner (the account that set Muster up) sets this installation’s wallet credentials.
          Your organisation can set up its own under <Link to="/settings/wallets">Wallet settings</Link>.</p>
      </section>
    );
  }
  return (
    <section className="wallets">
      <h1>Installation wallets</h1>
      <p>Set Apple and Google Wallet credentials once for this whole Muster: every organisation without its own then issues
        passes under them, with its own name, colours and logo, and needs no Apple or Google developer account.
        An organisation that uploads its own credentials uses those instead. Certificates and keys are stored encrypted
        and never shown again. The same can be done on the server with <code>muster wallets</code>.</p>
      <AppleWalletSection scope="installation" />
      <GoogleWalletSection scope="installation" />
      <InstallationLog />
    </section>
  );
}

function InstallationLog() {
  const log = useAsync(() => api.wallets.installationEvents(), []);
  return (
    <section aria-labelledby="installation-log-h" className="panel">
      <h2 id="installation-log-h">Changes to the installation’s wallets</h2>
      <button type="button" className="secondary" onClick={() => void log.reload(true)}>Refresh changes</button>
      <ErrorMessage error={log.error} />
      {log.data && log.data.events.length === 0 ? <p>No changes yet.</p> : null}
      {log.data?.events.length ? (
        <ul className="security-events" aria-label="Changes to the installation’s wallets">
          {log.data.events.map((e) => (
            <li key={e.id}><DateTime value={e.time} />: <strong>{securityActionLabel(e.action)}</strong> by {actorWords(e.actor)}{e.target ? ` (${e.target})` : ''}{detailWords(e) ? `: ${detailWords(e)}` : ''}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
