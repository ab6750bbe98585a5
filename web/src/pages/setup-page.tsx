/** First run: no admin exists yet, so whoever opens Muster first creates the owner account. */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Session } from '../api';
import { ErrorMessage } from '../components/error-message';

export function SetupPage({ onDone }: { readonly onDone: (s: Session) => void }) {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    try {
      onDone(await api.auth.setup({
        organisation: String(f.get('organisation') ?? ''), name: String(f.get('name') ?? ''),
        email: String(f.get('email') ?? ''), password: String(f.get('password') ?? ''),
      }));
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };
  return (
    <main id="main" className="narrow auth">
      <h1>Welcome to Muster</h1>
      <p>Create the owner account. The owner can invite other admins later.</p>
      <form onSubmit={submit} className="stack">
        <label>Organisation name<input name="organisation" required autoComplete="organization" /></label>
        <label>Your name<input name="name" required autoComplete="name" /></label>
        <label>Email<input name="email" type="email" required autoComplete="username" /></label>
        <label>Password<input name="password" type="password" required minLength={12} autoComplete="new-password" aria-describedby="pw-hint" /></label>
        <p id="pw-hint" className="hint">At least 12 characters.</p>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create owner account'}</button>
      </form>
    </main>
  );
}
