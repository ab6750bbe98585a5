/** Google Wallet: the issuer id and the service account's JSON key file. The key never comes back. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, toApiError } from '../../api';
import type { WalletScope } from '../../api/credential-endpoints';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { useSession } from '../../session';

export function GoogleWalletSection({ scope = 'organisation' }: { readonly scope?: WalletScope }) {
  const { canWrite } = useSession();
  const installation = scope === 'installation';
  const view = useAsync(() => api.wallets.google(scope), [scope]);
  const [issuerId, setIssuerId] = useState('');
  const [key, setKey] = useState<File>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const v = view.data;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    if (!key) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await key.text());
    } catch {
      setStatus('');
      setError(new ApiError(400, 'invalid_file', 'that file is not JSON: choose the key file Google Cloud downloaded (Keys → Add key → JSON).'));
      return;
    }
    try {
      view.set(await api.wallets.putGoogle({ issuerId: issuerId.trim(), serviceAccountKey: parsed }, scope));
      setKey(undefined);
      setStatus('Google Wallet is set up.');
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const remove = async () => {
    setError(undefined);
    try {
      await api.wallets.removeGoogle(scope);
      await view.reload();
      setStatus('Google Wallet settings removed.');
    } catch (err) {
      setError(toApiError(err));
    }
  };

  return (
    <section aria-labelledby={`google-h-${scope}`} className="panel">
      <h2 id={`google-h-${scope}`}>{installation ? 'Google Wallet for every organisation' : 'Google Wallet'}</h2>
      <ErrorMessage error={view.error} />
      {v && !v.configured && installation ? <p>Not set: organisations without their own issuer account cannot issue Google Wallet passes. Set this installation’s issuer account below.</p> : null}
      {v && !v.configured && !installation ? (v.source === 'installation'
        ? <p className="status ok">Passes are issued under this installation’s Google issuer account, with your organisation’s name, colour and logo. Set up your own below to use it instead.</p>
        : <p>Not set up: Google Wallet passes cannot be issued yet. Add your issuer account, or ask whoever runs this Muster to set one for the installation (<code>muster wallets google</code>).</p>) : null}
      {v?.configured ? (
        <dl className="facts">
          <div><dt>Issuer id</dt><dd><code>{v.issuerId}</code></dd></div>
          <div><dt>Pass class</dt><dd><code>{v.classId}</code></dd></div>
          <div><dt>Service account</dt><dd>{v.serviceAccount?.clientEmail} <span className="hint">(key {v.serviceAccount?.keyId})</span></dd></div>
          <div><dt>Last changed</dt><dd><DateTime value={v.updatedAt} /></dd></div>
        </dl>
      ) : null}
      {canWrite ? (
        <form onSubmit={submit} className="stack">
          <h3>{v?.configured ? 'Replace the settings' : 'Set up'}</h3>
          <div className="field">
            <label htmlFor={`google-issuer-${scope}`}>Issuer id</label>
            <input id={`google-issuer-${scope}`} inputMode="numeric" pattern="\d{4,25}" required value={issuerId} aria-describedby={`google-issuer-hint-${scope}`} onChange={(e) => setIssuerId(e.target.value)} />
            <span id={`google-issuer-hint-${scope}`} className="hint">Digits, from the Google Pay &amp; Wallet Console.</span>
          </div>
          <label>Service account key (JSON file)<input type="file" accept=".json,application/json" required onChange={(e) => setKey(e.target.files?.[0])} /></label>
          <div className="toolbar">
            <button type="submit">Save Google Wallet settings</button>
            {v?.configured ? <ConfirmButton label="Remove Google Wallet" question="Remove the issuer id and key? Passes already saved stay in wallets, but cannot be updated." confirmLabel="Remove" onConfirm={remove} /> : null}
          </div>
        </form>
      ) : null}
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
    </section>
  );
}
