/** An Apple Wallet pass: the .pkpass download for the admin, and a signed, expiring link for its holder. */
import { useState } from 'react';
import { api, toApiError, type ApiError, type Credential, type MasterList } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { SecretValue } from '../../components/secret-value';
import { useSession } from '../../session';

export function AppleLinks({ list, credential: c }: { readonly list: MasterList; readonly credential: Credential }) {
  const { canWrite } = useSession();
  const [link, setLink] = useState<{ url: string; expiresAt: string }>();
  const [error, setError] = useState<ApiError>();
  const make = async () => {
    setError(undefined);
    try {
      setLink(await api.credentials.pkpassLink(list.id, c.id, 72));
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <div className="toolbar">
      <a className="button secondary" href={api.credentials.pkpassUrl(list.id, c.id)} download="pass.pkpass">Download .pkpass</a>
      {canWrite && c.status === 'valid' ? <button type="button" className="secondary" onClick={() => void make()}>Create link for the holder</button> : null}
      <div role="status" aria-live="polite">
        {link ? <><SecretValue label="Holder link" value={link.url} copyLabel="Copy holder link" /><p className="hint">Opens the pass in Safari on an iPhone; works until <DateTime value={link.expiresAt} />.</p></> : null}
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}
