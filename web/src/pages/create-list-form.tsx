/**
 * Creates a list with its name only (and, optionally, how people arrive). The unique identifier,
 * the schema and the IdP are set up on the list's Sync tab.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { ErrorMessage } from '../components/error-message';
import { keepFreshSecret } from '../fresh-secret';
import { navigate } from '../router';

export function CreateListForm() {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const syncMethod = f.get('syncMethod') === 'none' ? 'none' : 'scim';
    setBusy(true);
    try {
      const r = await api.lists.create({ name: String(f.get('name') ?? ''), syncMethod });
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
      <fieldset>
        <legend>How people arrive (you can change this later)</legend>
        <label className="inline"><input type="radio" name="syncMethod" value="scim" defaultChecked /> Automated provisioning (SCIM): your identity provider pushes people; set it up on the Sync tab next</label>
        <label className="inline"><input type="radio" name="syncMethod" value="none" /> None — import a CSV, or connect Entra ID pull sync later</label>
      </fieldset>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create list'}</button>
    </form>
  );
}
