/**
 * The organisation's colours and logo on its wallet passes, whoever's credentials sign them (its
 * own or the installation's); the name on the pass is the organisation's.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { useSession } from '../../session';
import { readBase64 } from './read-file';

export function BrandingSection() {
  const { canWrite } = useSession();
  const view = useAsync(() => api.wallets.branding(), []);
  const [bg, setBg] = useState('#1f2937');
  const [fg, setFg] = useState('#ffffff');
  const [logo, setLogo] = useState('');
  const [logoFile, setLogoFile] = useState<File>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    if (!view.data) return;
    setBg(view.data.backgroundColor ?? '#1f2937');
    setFg(view.data.foregroundColor ?? '#ffffff');
    setLogo(view.data.logoUrl ?? '');
  }, [view.data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      view.set(await api.wallets.putBranding({ backgroundColor: bg, foregroundColor: fg, logoUrl: logo.trim() || null, ...(logoFile ? { logo: await readBase64(logoFile) } : {}) }));
      setLogoFile(undefined);
      setStatus('Pass colours and logo saved. New and updated passes use them.');
    } catch (err) {
      setStatus('');
      setError(toApiError(err));
    }
  };

  return (
    <section aria-labelledby="branding-h" className="panel">
      <h2 id="branding-h">Your passes’ colours and logo</h2>
      <ErrorMessage error={view.error} />
      {canWrite ? (
        <form onSubmit={submit} className="stack">
          <div className="toolbar">
            <label>Background colour<input type="color" value={bg} onChange={(e) => setBg(e.target.value)} /></label>
            <label>Text colour<input type="color" value={fg} onChange={(e) => setFg(e.target.value)} /></label>
          </div>
          <div className="field">
            <label htmlFor="branding-logo">Logo URL (Google Wallet)</label>
            <input id="branding-logo" type="url" pattern="https://.*" value={logo} aria-describedby="branding-logo-hint" onChange={(e) => setLogo(e.target.value)} />
            <span id="branding-logo-hint" className="hint">An https address Google can fetch; leave empty for none.</span>
          </div>
          <label>Logo image (Apple Wallet), PNG or JPEG{view.data?.logoImage ? ' — one is set; choose another to replace it' : ''}
            <input type="file" accept="image/png,image/jpeg" onChange={(e) => setLogoFile(e.target.files?.[0])} />
          </label>
          <div className="toolbar"><button type="submit">Save colours and logo</button></div>
        </form>
      ) : view.data ? <p>Background {view.data.backgroundColor ?? 'default'}, text {view.data.foregroundColor ?? 'default'}.</p> : null}
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
    </section>
  );
}
