/**
 * "Automated user provisioning (SCIM)" on the Sync tab, step by step: the unique identifier
 * (changeable while the list is empty), the default schema Muster set up, the base URL and a
 * token (shown once), then the IdP's own guide with its live check.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type MasterList, type UidAttribute } from '../api';
import { ErrorMessage } from '../components/error-message';
import { SecretValue } from '../components/secret-value';
import { StatusMessage } from '../components/status-message';
import { useAsync } from '../hooks/use-async';
import { UID_LABELS } from '../labels';
import { useSession } from '../session';
import { IdpGuide } from './idp-guide';
import { scimBaseUrl } from './scim-base-url';

const UID_CHOICES: readonly { readonly value: UidAttribute; readonly when: string }[] = [
  { value: 'employeeNumber', when: 'Choose this when everyone has a staff or student number that never changes, even when their name or email does.' },
  { value: 'userName', when: 'Choose this when the sign-in name each person has is the stable way to tell them apart (the usual choice).' },
  { value: 'email', when: 'Choose this when each person has one work email that does not change, and there is no employee number.' },
];

export function ScimWizard({ list, reloadList, secret }: { readonly list: MasterList; readonly reloadList: () => Promise<void>; readonly secret?: string }) {
  const { canWrite } = useSession();
  const fields = useAsync(() => api.roster.fields(list.id), [list.id, list.uidAttribute]);
  const [uid, setUid] = useState<UidAttribute>(list.uidAttribute);
  const [error, setError] = useState<ApiError>();
  const [said, setSaid] = useState('');
  const people = list.people ?? 0;
  const locked = people > 0;

  const saveUid = async () => {
    setError(undefined);
    setSaid('');
    try {
      await api.lists.setUid(list.id, uid);
      await reloadList();
      setSaid(`People on this list are now told apart by their ${UID_LABELS[uid].toLowerCase()}.`);
    } catch (err) {
      setError(toApiError(err));
    }
  };

  return (
    <section aria-labelledby="wizard-h" className="panel wizard">
      <h2 id="wizard-h">Automated user provisioning (SCIM)</h2>
      <ol className="steps">
        <li className="done">
          <h3>Unique identifier</h3>
          {locked ? (
            <>
              <p>People are told apart by their <strong>{UID_LABELS[list.uidAttribute].toLowerCase()}</strong>.</p>
              <p className="hint">This can no longer change: the list already has {people} {people === 1 ? 'person' : 'people'}, each matched on it. To use another identifier, create a new list and point your identity provider at it, or remove everyone from this list first.</p>
            </>
          ) : (
            <fieldset className="stack">
              <legend>How does Muster tell two people apart? You can change this until the first person arrives.</legend>
              {UID_CHOICES.map((c) => (
                <label key={c.value} className="inline choice">
                  <input type="radio" name="uid" value={c.value} checked={uid === c.value} disabled={!canWrite} onChange={() => setUid(c.value)} />
                  <span><strong>{UID_LABELS[c.value]}</strong><span className="hint block">{c.when}</span></span>
                </label>
              ))}
              {canWrite ? <div><button type="button" onClick={() => void saveUid()} disabled={uid === list.uidAttribute}>Use {UID_LABELS[uid].toLowerCase()}</button></div> : null}
              <ErrorMessage error={error} />
              {said ? <StatusMessage>{said}</StatusMessage> : null}
            </fieldset>
          )}
        </li>
        <li className="done">
          <h3>Default schema</h3>
          {fields.data ? (
            <details>
              <summary>Muster set up {fields.data.fields.length} roster fields, each fed by a SCIM attribute</summary>
              <ul className="field-chips">
                {fields.data.fields.map((f) => <li key={f.key}>{f.label}{f.unique ? ' (unique identifier)' : ''}</li>)}
              </ul>
              <p className="hint">Change them any time in the mapping editor.</p>
            </details>
          ) : <p>Muster set up the default roster fields.</p>}
        </li>
        <li>
          <h3>Connection details</h3>
          <SecretValue label="SCIM base URL" value={scimBaseUrl(list)} copyLabel="Copy base URL" />
          {secret ? (
            <>
              <p className="warning" role="note"><strong>Copy the token now.</strong> It is shown only this once; Muster keeps only a hash of it.</p>
              <SecretValue label="Bearer token" value={secret} copyLabel="Copy token" />
            </>
          ) : <p className="hint">Tokens are shown once, when created. The guide below creates one for your identity provider.</p>}
        </li>
        <li>
          <h3>Your identity provider&apos;s steps</h3>
          <IdpGuide listId={list.id} />
        </li>
      </ol>
    </section>
  );
}
