/**
 * First run: no admin exists yet. The owner is created here from a browser on the machine Muster
 * runs on, or from anywhere with the server's set-up token (MUSTER_SETUP_TOKEN); otherwise the
 * page says how to create the owner from the command line.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Session } from '../api';
import { CodeBlock } from '../components/code-block';
import { ErrorMessage } from '../components/error-message';

export function SetupPage({ access, onDone }: { readonly access: 'open' | 'token' | 'closed'; readonly onDone: (s: Session) => void }) {
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
        ...(access === 'token' ? { setupToken: String(f.get('setupToken') ?? '') } : {}),
      }));
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };
  if (access === 'closed') {
    return (
      <main id="main" className="narrow auth">
        <h1>Welcome to Muster</h1>
        <p role="status">
          Muster has no owner account yet. For safety, the first account can only be created from a browser on the
          machine Muster runs on. Create it there, or on the server run:
        </p>
        <CodeBlock label="Command that creates the owner"><code>muster admins create --role owner --email you@example.org --name "Your name"</code></CodeBlock>
        <p>Or set <code>MUSTER_SETUP_TOKEN</code> on the server and reload this page.</p>
      </main>
    );
  }
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
        {access === 'token' && (
          <>
            <label>Set-up token<input name="setupToken" type="password" required autoComplete="off" aria-describedby="token-hint" /></label>
            <p id="token-hint" className="hint">The value of MUSTER_SETUP_TOKEN on the server.</p>
          </>
        )}
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create owner account'}</button>
      </form>
    </main>
  );
}
