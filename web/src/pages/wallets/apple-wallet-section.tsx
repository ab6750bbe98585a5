/**
 * Apple Wallet: the Pass Type ID certificate with its key (PEM text, or a .p12 file and its
 * password) and Apple's WWDR intermediate. The API answers metadata and warnings only. The same
 * form sets the organisation's own (Wallet settings) or the installation's (Installation).
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError } from '../../api';
import type { WalletScope } from '../../api/credential-endpoints';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { useSession } from '../../session';
import { CertificateFacts } from './certificate-facts';
import { readBase64, readText } from './read-file';

export function AppleWalletSection({ scope = 'organisation' }: { readonly scope?: WalletScope }) {
  const { canWrite } = useSession();
  const installation = scope === 'installation';
  const view = useAsync(() => api.wallets.apple(scope), [scope]);
  const [format, setFormat] = useState<'pem' | 'p12'>('p12');
  const [orgName, setOrgName] = useState('');
  const [certificate, setCertificate] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [p12, setP12] = useState<File>();
  const [p12Password, setP12Password] = useState('');
  const [wwdr, setWwdr] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const v = view.data;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setStatus('Checking the certificate…');
    try {
      const body: Record<string, string> = { ...(orgName.trim() ? { organizationName: orgName.trim() } : {}), wwdrCertificate: wwdr };
      if (format === 'p12' && p12) Object.assign(body, { p12: await readBase64(p12), p12Password });
      else Object.assign(body, { certificate, privateKey });
      view.set(await api.wallets.putApple(body, scope));
      setCertificate(''); setPrivateKey(''); setP12(undefined); setP12Password(''); setWwdr('');
      setStatus('Apple Wallet is set up.');
    } catch (err) {
      setStatus('');
      setError(toApiError(err));
    }
  };
  const remove = async () => {
    setError(undefined);
    try {
      await api.wallets.removeApple(scope);
      await view.reload();
      setStatus('Apple Wallet settings removed.');
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const pemFile = (set: (s: string) => void) => (f: File | undefined) => { if (f) void readText(f).then(set); };

  return (
    <section aria-labelledby={`apple-h-${scope}`} className="panel">
      <h2 id={`apple-h-${scope}`}>{installation ? 'Apple Wallet for every organisation' : 'Apple Wallet'}</h2>
      <ErrorMessage error={view.error} />
      {v && !v.configured && installation ? <p>Not set: organisations without their own certificate cannot issue Apple Wallet passes. Upload this installation’s Pass Type ID certificate below.</p> : null}
      {v && !v.configured && !installation ? (v.source === 'installation'
        ? <p className="status ok">Passes are issued under this installation’s Apple certificate, with your organisation’s name and colours. Upload your own certificate below to use it instead.</p>
        : <p>Not set up: Apple Wallet passes cannot be issued yet. Upload your Pass Type ID certificate, or ask whoever runs this Muster to set one for the installation (<code>muster wallets apple</code>).</p>) : null}
      {v?.configured ? (
        <>
          <dl className="facts">
            {installation ? null : <div><dt>Organisation name</dt><dd>{v.organizationName}</dd></div>}
            <div><dt>Pass type identifier</dt><dd><code>{v.passTypeIdentifier}</code></dd></div>
            <div><dt>Team identifier</dt><dd><code>{v.teamIdentifier}</code></dd></div>
            <div><dt>Last changed</dt><dd><DateTime value={v.updatedAt} /></dd></div>
          </dl>
          {v.warnings?.map((w, i) => <p key={i} className="warning">{w}</p>)}
          {v.certificate ? <CertificateFacts title="Pass certificate" cert={v.certificate} /> : null}
          {v.wwdrCertificate ? <CertificateFacts title="WWDR certificate" cert={v.wwdrCertificate} /> : null}
        </>
      ) : null}
      {canWrite ? (
        <form onSubmit={submit} className="stack">
          <h3>{v?.configured ? 'Replace the certificate' : 'Upload the certificate'}</h3>
          {installation ? <p className="hint">Each organisation’s passes show its own name, colours and logo. Changing to another pass type identifier is refused while passes of the current one are in use: upload a renewed certificate of the same pass type instead.</p>
            : <label>Organisation name (shown on the pass){v?.configured ? ' — leave empty to keep it' : ''}<input value={orgName} required={!v?.configured} onChange={(e) => setOrgName(e.target.value)} /></label>}
          <fieldset>
            <legend>Certificate and key as</legend>
            <label className="inline"><input type="radio" name={`apple-format-${scope}`} checked={format === 'p12'} onChange={() => setFormat('p12')} /> a .p12 file with its password</label>
            <label className="inline"><input type="radio" name={`apple-format-${scope}`} checked={format === 'pem'} onChange={() => setFormat('pem')} /> PEM text (certificate and private key)</label>
          </fieldset>
          {format === 'p12' ? (
            <>
              <label>Certificate file (.p12)<input type="file" accept=".p12,.pfx,application/x-pkcs12" required onChange={(e) => setP12(e.target.files?.[0])} /></label>
              <label>.p12 password<input type="password" autoComplete="off" value={p12Password} onChange={(e) => setP12Password(e.target.value)} /></label>
            </>
          ) : (
            <>
              <label>Pass certificate (PEM)<textarea rows={4} required value={certificate} onChange={(e) => setCertificate(e.target.value)} placeholder="-----BEGIN CERTIFICATE-----" /></label>
              <label>Pass certificate file (PEM)<input type="file" accept=".pem,.crt,.cer" onChange={(e) => pemFile(setCertificate)(e.target.files?.[0])} /></label>
              <label>Private key (PEM)<textarea rows={4} required value={privateKey} onChange={(e) => setPrivateKey(e.target.value)} placeholder="-----BEGIN PRIVATE KEY-----" autoComplete="off" /></label>
            </>
          )}
          <label>WWDR certificate (PEM)<textarea rows={4} required value={wwdr} onChange={(e) => setWwdr(e.target.value)} placeholder="-----BEGIN CERTIFICATE-----" /></label>
          <label>WWDR certificate file (PEM)<input type="file" accept=".pem,.crt,.cer" onChange={(e) => pemFile(setWwdr)(e.target.files?.[0])} /></label>
          <div className="toolbar">
            <button type="submit">Save Apple Wallet settings</button>
            {v?.configured ? <ConfirmButton label="Remove Apple Wallet" question={installation ? 'Remove the installation’s certificate? Organisations without their own can no longer issue Apple passes, and passes issued under it can no longer be updated.' : 'Remove the certificate? Passes can no longer be issued, built nor pushed.'} confirmLabel="Remove" onConfirm={remove} /> : null}
          </div>
        </form>
      ) : null}
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
    </section>
  );
}
