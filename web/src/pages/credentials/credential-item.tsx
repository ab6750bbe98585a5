/** One credential: kind, status and reason, verification link, and what an admin can do with it. */
import { useState } from 'react';
import { api, toApiError, type ApiError, type Credential, type MasterList } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { CREDENTIAL_STATUS_LABELS, kindLabel } from '../../credential-words';
import { useSession } from '../../session';
import { AppleLinks } from './apple-links';
import { StatusChange } from './status-change';

export function CredentialItem({ list, credential: c, onChanged }: { readonly list: MasterList; readonly credential: Credential; readonly onChanged: () => Promise<void> }) {
  const { canWrite } = useSession();
  const [error, setError] = useState<ApiError>();
  const label = kindLabel(c.kind);
  const act = async (action: 'suspend' | 'revoke' | 'reinstate', reason?: string) => {
    setError(undefined);
    try {
      await api.credentials.act(list.id, c.id, action, reason);
      await onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <li className="credential" aria-label={`${label}, ${CREDENTIAL_STATUS_LABELS[c.status] ?? c.status}`}>
      <div className="credential-line">
        <strong>{label}</strong>
        <span className={`badge cred-${c.status}`}>{CREDENTIAL_STATUS_LABELS[c.status] ?? c.status}</span>
        {c.statusReason ? <span>Reason: {c.statusReason}</span> : null}
        <span className="hint">issued <DateTime value={c.createdAt} />{c.updatedAt !== c.createdAt ? <>, changed <DateTime value={c.updatedAt} /></> : null}</span>
      </div>
      <p className="verify-link">Verification: <a href={c.verifyUrl} target="_blank" rel="noreferrer">{c.verifyUrl}</a></p>
      {c.kind === 'google_pass' && c.google ? (
        <p>
          {c.google.saveUrl ? <a className="button secondary" href={c.google.saveUrl} target="_blank" rel="noreferrer">Save to Google Wallet</a> : null}{' '}
          <span className="hint">At Google: {c.google.state}{c.google.lastError ? ` (last update failed: ${c.google.lastError}; Muster keeps retrying)` : ''}</span>
        </p>
      ) : null}
      {c.kind === 'apple_pass' ? <AppleLinks list={list} credential={c} /> : null}
      {canWrite ? <StatusChange credential={c} label={label} onAct={act} /> : null}
      <ErrorMessage error={error} />
    </li>
  );
}
