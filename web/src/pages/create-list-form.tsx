/** Creates a list; with automated provisioning it goes straight to the SCIM wizard with its token. */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type UidAttribute } from '../api';
import { ErrorMessage } from '../components/error-message';
import { keepFreshSecret } from '../fresh-secret';
import { UID_LABELS } from '../labels';
import { navigate } from '../router';
import { SelectField } from '../components/select-field';

export function CreateListForm() {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const syncMethod = f.get('syncMethod') === 'none' ? 'none' : 'scim';
    setBusy(true);
    try {
      const r = await api.lists.create({ name: String(f.get('name') ?? ''), uidAttribute: String(f.get('uid')) as UidAttribute, syncMethod });
      if (r.token) keepFreshSecret(r.list.id, r.token.secret, r.token.id);
      navigate(syncMethod === 'scim' ? `/lists/${r.list.id}/sync` : `/lists/${r.list.id}`);
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="panel stack" aria-labelledby="create-list">
      <h2 id="create-list">Create a list</h2>
      <label>List name<input name="name" required placeholder="Staff, Students, Contractors…" /></label>
      <SelectField label="Unique identifier" name="uid" defaultValue="userName">
          {(Object.keys(UID_LABELS) as UidAttribute[]).map((k) => <option key={k} value={k}>{UID_LABELS[k]}</option>)}
        </SelectField>
      <fieldset>
        <legend>How people arrive</legend>
        <label className="inline"><input type="radio" name="syncMethod" value="scim" defaultChecked /> Automated provisioning (SCIM) — your identity provider pushes people</label>
        <label className="inline"><input type="radio" name="syncMethod" value="none" /> None — import a CSV, or connect Entra ID pull sync later</label>
      </fieldset>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create list'}</button>
    </form>
  );
}
