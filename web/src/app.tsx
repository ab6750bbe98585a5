/** Loads the session, then shows first-run set-up, sign-in, or the signed-in app and its routes. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, onUnauthenticated, setCsrfToken, toApiError, type ApiError, type Session } from './api';
import { ErrorMessage } from './components/error-message';
import { Routes } from './routes';
import { SessionContext, type SessionState } from './session';
import { SetupPage } from './pages/setup-page';
import { SignInPage } from './pages/sign-in-page';
import { navigate } from './router';

export function App() {
  const [session, setSessionState] = useState<Session>();
  const [error, setError] = useState<ApiError>();

  const setSession = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setSessionState(s);
  }, []);

  const load = useCallback(async () => {
    try {
      setSession(await api.auth.session());
      setError(undefined);
    } catch (err) {
      setError(toApiError(err));
    }
  }, [setSession]);

  useEffect(() => {
    void load();
    // Any 401 means the session is gone (expired, signed out elsewhere): ask who is there again.
    return onUnauthenticated(() => void load());
  }, [load]);

  const state = useMemo<SessionState | null>(() => {
    if (!session?.admin) return null;
    const admin = session.admin;
    return {
      session, admin, canWrite: admin.role !== 'viewer', isOwner: admin.role === 'owner',
      async signOut() {
        try {
          await api.auth.signOut();
        } finally {
          setCsrfToken(null);
          setSessionState({ setupRequired: false, admin: null, organisation: null, csrfToken: null });
          navigate('/');
        }
      },
    };
  }, [session]);

  if (error && !session) {
    return (
      <main id="main" className="narrow">
        <h1>Muster</h1>
        <ErrorMessage error={error} />
        <button type="button" onClick={() => void load()}>Try again</button>
      </main>
    );
  }
  if (!session) return <main id="main" className="narrow"><p role="status">Loading…</p></main>;
  if (session.setupRequired) return <SetupPage access={session.setupAccess ?? 'open'} onDone={setSession} />;
  if (!state) return <SignInPage onDone={setSession} />;
  return (
    <SessionContext.Provider value={state}>
      <Routes />
    </SessionContext.Provider>
  );
}
