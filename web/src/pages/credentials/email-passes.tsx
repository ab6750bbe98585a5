/**
 * "Email wallet passes": sends the person the wallet-pass-delivery email (their Apple Wallet link
 * and "Save to Google Wallet" link), issuing the passes they lack first. Without SMTP the button
 * is replaced by a sentence saying why, and the links stay on the passes to pass on by hand.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type IssueCapabilities } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';

export function EmailPasses({ listId, personId, email, capability, onSent }: {
  readonly listId: string; readonly personId: string; readonly email: string | undefined;
  readonly capability: IssueCapabilities | undefined; readonly onSent: () => void;
}) {
  const settings = useAsync(() => api.email.settings(), []);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const wallets = capability && (capability.apple_pass.available || capability.google_pass.available);
  if (!settings.data || !capability || !wallets) return null;
  if (!settings.data.configured) return <p className="hint">This Muster sends no email (its operator has not set up SMTP): open a pass to copy its link and pass it on yourself.</p>;
  if (!email) return <p className="hint">No email address on the list for this person: passes cannot be emailed to them.</p>;

  const send = async () => {
    setBusy(true);
    setError(undefined);
    setStatus('');
    try {
      const r = await api.wallets.emailPasses(listId, personId);
      const which = [r.apple ? 'Apple Wallet' : '', r.google ? 'Google Wallet' : ''].filter(Boolean).join(' and ');
      setStatus(`Email with the ${which} ${r.apple && r.google ? 'links' : 'link'} queued to ${r.message.to}.`);
      onSent();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      <div className="toolbar">
        <button type="button" className="secondary" disabled={busy} onClick={() => void send()}>Email wallet passes</button>
        <span className="hint">to {email}; passes not issued yet are issued first</span>
      </div>
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
    </div>
  );
}
