/**
 * Sign-in. Organisations that sign in with their identity provider are found from the email
 * address typed (its domain, as the owner listed it in the single sign-on settings) or from a
 * sign-in link's `?org=`; the page then offers "Sign in with <name>", and hides the password when
 * the organisation turned passwords off. A refused single sign-on comes back as `?sso_error=`.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Session, type SsoOffer } from '../api';
import { ErrorMessage } from '../components/error-message';
import { useDebounced } from '../hooks/use-debounced';
import { ssoErrorWords } from '../sso-words';

export function SignInPage({ onDone }: { readonly onDone: (s: Session) => void }) {
  const params = new URLSearchParams(window.location.search);
  const ssoError = params.get('sso_error');
  const linkOrg = params.get('org');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [email, setEmail] = useState('');
  const [offer, setOffer] = useState<SsoOffer | null>(null);
  const typed = useDebounced(email.trim(), 300);

  useEffect(() => {
    let live = true;
    const ask = linkOrg ? { org: linkOrg } : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(typed) ? { email: typed } : undefined;
    if (!ask) {
      setOffer(null);
      return;
    }
    api.auth.ssoFor(ask).then((r) => live && setOffer(r.sso), () => live && setOffer(null));
    return () => {
      live = false;
    };
  }, [typed, linkOrg]);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    try {
      onDone(await api.auth.signIn({ email: String(f.get('email') ?? ''), password: String(f.get('password') ?? '') }));
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };
  const passwords = !offer?.passwordsOff;
  return (
    <main id="main" className="narrow auth">
      <h1>Sign in to Muster</h1>
      {ssoError ? <p className="error" role="alert"><strong>Single sign-on did not work.</strong> {ssoErrorWords(ssoError)}</p> : null}
      <form onSubmit={submit} className="stack">
        <label>Email<input name="email" type="email" required autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        {offer ? (
          <p className="stack">
            <a className="button" href={api.ssoStartUrl(offer.orgId, email.trim() || undefined)}>Sign in with {offer.name}</a>
            {offer.passwordsOff ? <span className="hint">Your organisation signs in with {offer.name}; passwords are off.</span> : null}
          </p>
        ) : null}
        {passwords ? <label>Password<input name="password" type="password" required autoComplete="current-password" /></label> : null}
        <ErrorMessage error={error} />
        {passwords ? <button type="submit" className={offer ? 'secondary' : undefined} disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button> : null}
      </form>
    </main>
  );
}
