/**
 * The Sync tab: how people arrive on this list. SCIM push and Entra ID pull sync are mutually
 * exclusive (a list uses one or the other), so the tab shows the method in use and how to switch.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { ConfirmButton } from '../components/confirm-button';
import { ErrorMessage } from '../components/error-message';
import { keepFreshSecret } from '../fresh-secret';
import { SYNC_LABELS } from '../labels';
import { useSession } from '../session';
import { EntraSection } from './entra-section';
import type { ListTabProps } from './list-page';
import { LiveActivity } from './live-activity';
import { ScimSection } from './scim-section';

export function SyncPage({ list, reloadList }: ListTabProps) {
  const { canWrite } = useSession();
  const [error, setError] = useState<ApiError>();
  const [entraOpen, setEntraOpen] = useState(false);

  const setMethod = async (m: 'scim' | 'none') => {
    setError(undefined);
    try {
      const r = await api.lists.setSyncMethod(list.id, m);
      if (r.token) keepFreshSecret(list.id, r.token);
      await reloadList();
    } catch (err) {
      setError(toApiError(err));
    }
  };

  return (
    <section>
      <h1>{list.name}: sync</h1>
      <section aria-labelledby="method-h" className="panel">
        <h2 id="method-h">Sync method</h2>
        <p>In use: <strong>{SYNC_LABELS[list.syncMethod]}</strong>.</p>
        <p className="hint">A list uses SCIM provisioning (your IdP pushes people) or Entra ID pull sync (Muster reads Microsoft Graph), never both. To switch, turn the current method off first.</p>
        {canWrite ? (
          <div className="toolbar">
            {list.syncMethod === 'scim' ? (
              <ConfirmButton label="Turn SCIM off" confirmLabel="Turn SCIM off and revoke tokens" onConfirm={() => setMethod('none')}
                question="Turning SCIM off revokes every token of this list: your IdP will no longer be able to provision. People already on the list stay." />
            ) : null}
            {list.syncMethod === 'entra' ? (
              <ConfirmButton label="Turn Entra sync off" confirmLabel="Turn Entra sync off" onConfirm={() => setMethod('none')}
                question="Turning Entra sync off removes the connection and its schedule. People already on the list stay." />
            ) : null}
            {list.syncMethod === 'none' ? (
              <>
                <button type="button" onClick={() => void setMethod('scim')}>Turn on automated provisioning (SCIM)</button>
                <button type="button" className="secondary" aria-expanded={entraOpen} onClick={() => setEntraOpen(!entraOpen)}>Connect Entra ID pull sync</button>
              </>
            ) : null}
          </div>
        ) : null}
        <ErrorMessage error={error} />
      </section>
      {list.syncMethod === 'scim' ? <ScimSection list={list} reloadList={reloadList} /> : null}
      {list.syncMethod === 'entra' || (list.syncMethod === 'none' && entraOpen) ? <EntraSection list={list} reloadList={reloadList} /> : null}
      <LiveActivity listId={list.id} />
    </section>
  );
}
