/**
 * The list's SCIM tokens. Rotation never leaves a gap: it creates the new token first and shows it
 * once; the old one keeps working until the admin revokes it, once the IdP uses the new one.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Token } from '../api';
import { ConfirmButton } from '../components/confirm-button';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { StatusMessage } from '../components/status-message';
import { useAsync } from '../hooks/use-async';
import { usePoll } from '../hooks/use-poll';
import { useSession } from '../session';
import { NewTokenPanel, type NewToken } from './new-token-panel';
import { TableScroll } from '../components/table-scroll';

export function TokenTable({ listId }: { readonly listId: string }) {
  const { canWrite } = useSession();
  const tokens = useAsync(() => api.tokens.all(listId), [listId]);
  // "Last used" changes as the IdP provisions: keep it current while the tab is open.
  usePoll(() => tokens.reload(true), 5000);
  const [created, setCreated] = useState<NewToken>();
  const [error, setError] = useState<ApiError>();
  const [said, setSaid] = useState('');

  const act = async (fn: () => Promise<void>) => {
    setError(undefined);
    try {
      await fn();
      await tokens.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const create = (label: string, replaces?: Token) => act(async () => {
    const r = await api.tokens.create(listId, label);
    setCreated({ token: r.token, secret: r.secret, replaces });
    setSaid(`Token “${r.token.label}” created.`);
  });
  const revoke = (t: Token) => act(async () => {
    await api.tokens.revoke(listId, t.id);
    setSaid(`Token ${t.hint} (“${t.label}”) revoked: it no longer works.`);
    if (created?.replaces?.id === t.id) setCreated({ ...created, replaces: undefined });
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const label = String(new FormData(form).get('label') ?? '').trim();
    void create(label || 'Token').then(() => form.reset());
  };

  const rows = tokens.data?.tokens ?? [];
  return (
    <section aria-labelledby="tokens-h" className="panel">
      <h2 id="tokens-h">Tokens</h2>
      <p className="hint">Label each token after the IdP that uses it (“Okta production”): the audit trail names the IdP from it.</p>
      <ErrorMessage error={error ?? tokens.error} />
      <StatusMessage>{said}</StatusMessage>
      {created ? <NewTokenPanel created={created} onRevokeOld={(t) => void revoke(t)} onDismiss={() => setCreated(undefined)} /> : null}
      {rows.length ? (
        <TableScroll label="SCIM tokens">
          <table className="cards">
            <caption className="visually-hidden">SCIM tokens</caption>
            <thead><tr><th scope="col">Label</th><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th>{canWrite ? <th scope="col">Actions</th> : null}</tr></thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id}>
                  <td data-label="Label">{t.label}{t.idp ? <span className="hint"> ({t.idp})</span> : null}</td>
                  <td data-label="Token"><code>{t.hint}</code></td>
                  <td data-label="Created"><DateTime value={t.createdAt} /></td>
                  <td data-label="Last used"><DateTime value={t.lastUsedAt} fallback="Never" /></td>
                  <td data-label="Status">{t.revokedAt ? <span className="badge off">Revoked</span> : <span className="badge ok">Active</span>}</td>
                  {canWrite ? (
                    <td data-label="Actions" className="actions">
                      {t.revokedAt ? null : (
                        <>
                          <button type="button" className="secondary" onClick={() => void create(t.label, t)} aria-label={`Rotate token ${t.label} (${t.hint})`}>Rotate</button>
                          <ConfirmButton label="Revoke" confirmLabel={`Revoke ${t.hint}`} onConfirm={() => revoke(t)}
                            question={`Revoke “${t.label}”? The IdP using it stops provisioning at once.`} />
                        </>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : tokens.data ? <p>No tokens.</p> : null}
      {canWrite ? (
        <form onSubmit={submit} className="inline-form">
          <label>New token label<input name="label" placeholder="Okta production" /></label>
          <button type="submit">Create token</button>
        </form>
      ) : null}
    </section>
  );
}
