/**
 * A person's credentials: kind, status and why, the verification URL, and for admins issuing a
 * card or a wallet pass and the actions of each. Refreshed while visible, so a revocation by the
 * IdP (a SCIM deactivation) shows without a reload. A wallet kind that cannot be issued (neither
 * the organisation nor the installation has set it up) is a disabled button with the API's reason
 * and a link to the set-up, never a click into an error.
 */
import { useState } from 'react';
import { api, toApiError, type CredentialKind, type MasterList } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { ISSUE_LABELS, issueProblem, kindLabel } from '../../credential-words';
import { useAsync } from '../../hooks/use-async';
import { usePoll } from '../../hooks/use-poll';
import { Link } from '../../router';
import { useSession } from '../../session';
import { CredentialItem } from './credential-item';
import { EmailPasses } from './email-passes';

const KINDS: readonly CredentialKind[] = ['card', 'apple_pass', 'google_pass'];

export function PersonCredentials({ list, personId, active, email }: { readonly list: MasterList; readonly personId: string; readonly active: boolean; readonly email?: string | undefined }) {
  const { canWrite } = useSession();
  const creds = useAsync(() => api.credentials.ofPerson(list.id, personId), [list.id, personId]);
  usePoll(() => creds.reload(true), 2000);
  const [status, setStatus] = useState('');
  const [problem, setProblem] = useState<{ text: string; settings: boolean }>();
  const [busy, setBusy] = useState(false);

  const issue = async (kind: CredentialKind) => {
    setBusy(true);
    setProblem(undefined);
    setStatus('');
    try {
      await api.credentials.issue(list.id, personId, kind);
      setStatus(`${kindLabel(kind)} issued.`);
      await creds.reload(true);
    } catch (err) {
      setProblem(issueProblem(toApiError(err), kind));
    } finally {
      setBusy(false);
    }
  };

  const items = creds.data?.credentials ?? [];
  const capability = creds.data?.issue;
  const unavailable = KINDS.filter((k) => capability && !capability[k].available);
  return (
    <section aria-labelledby="credentials-h">
      <h2 id="credentials-h">Credentials</h2>
      {canWrite && active ? (
        <div className="toolbar" role="group" aria-label="Issue a credential">
          {KINDS.map((k) => {
            const off = unavailable.includes(k);
            return (
              <button key={k} type="button" className="secondary" disabled={busy || !capability || off} aria-describedby={off ? `issue-why-${k}` : undefined} onClick={() => void issue(k)}>
                {ISSUE_LABELS[k]}
              </button>
            );
          })}
        </div>
      ) : null}
      {canWrite && active && capability ? unavailable.map((k) => (
        <p key={k} id={`issue-why-${k}`} className="hint">
          {capability[k].reason} <Link to={capability[k].setupUrl ?? '/settings/wallets'}>Set up {k === 'apple_pass' ? 'Apple' : 'Google'} Wallet</Link>
        </p>
      )) : null}
      {canWrite && active ? <EmailPasses listId={list.id} personId={personId} email={email} capability={capability} onSent={() => void creds.reload(true)} /> : null}
      {canWrite && !active ? <p className="hint">This person is deactivated: nothing can be issued to them.</p> : null}
      <StatusMessage>{status}</StatusMessage>
      {problem ? (
        <p className="error" role="alert">
          {problem.text}{problem.settings ? <> Set it up in <Link to="/settings/wallets">Wallet settings</Link>.</> : null}
        </p>
      ) : null}
      <ErrorMessage error={creds.error} />
      {creds.data && items.length === 0 ? <p>No credentials yet. Printing a card in the Cards tab issues one too.</p> : null}
      {items.length ? (
        <ul className="credentials" aria-label="Credentials">
          {items.map((c) => <CredentialItem key={c.id} list={list} credential={c} onChanged={() => creds.reload(true)} />)}
        </ul>
      ) : null}
    </section>
  );
}
