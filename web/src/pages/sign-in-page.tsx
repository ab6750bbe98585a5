import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Session } from '../api';
import { ErrorMessage } from '../components/error-message';

export function SignInPage({ onDone }: { readonly onDone: (s: Session) => void }) {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
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
  return (
    <main id="main" className="narrow auth">
      <h1>Sign in to Muster</h1>
      <form onSubmit={submit} className="stack">
        <label>Email<input name="email" type="email" required autoComplete="username" /></label>
        <label>Password<input name="password" type="password" required autoComplete="current-password" /></label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
