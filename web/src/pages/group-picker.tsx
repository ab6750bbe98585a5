/**
 * The groups whose members belong on the list. Searching Entra by name needs a saved connection
 * (Muster asks Graph with the stored secret), so the first group can also be added by its id.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { ErrorMessage } from '../components/error-message';

export interface PickedGroup {
  readonly id: string;
  readonly displayName?: string;
}

export function GroupPicker({ listId, connected, value, onChange }: {
  readonly listId: string; readonly connected: boolean; readonly value: readonly PickedGroup[]; readonly onChange: (v: PickedGroup[]) => void;
}) {
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<PickedGroup[]>();
  const [error, setError] = useState<ApiError>();
  const [manual, setManual] = useState('');
  const add = (g: PickedGroup) => {
    if (!value.some((v) => v.id === g.id)) onChange([...value, g]);
  };
  const find = async () => {
    setError(undefined);
    try {
      setFound((await api.entra.groups(listId, search)).groups);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <fieldset className="groups">
      <legend>Groups in scope</legend>
      {value.length ? (
        <ul className="chips" aria-label="Chosen groups">
          {value.map((g) => (
            <li key={g.id}>{g.displayName ?? g.id}
              <button type="button" className="link" onClick={() => onChange(value.filter((v) => v.id !== g.id))} aria-label={`Remove group ${g.displayName ?? g.id}`}>×</button>
            </li>
          ))}
        </ul>
      ) : <p className="hint">No group chosen: only members of the chosen groups are on the list.</p>}
      {connected ? (
        <div className="inline-form">
          <label>Search groups by name<input value={search} onChange={(e) => setSearch(e.target.value)} /></label>
          <button type="button" className="secondary" onClick={() => void find()}>Search</button>
        </div>
      ) : null}
      <ErrorMessage error={error} />
      {found ? (
        found.length ? (
          <ul className="results" aria-label="Groups found">
            {found.map((g) => <li key={g.id}>{g.displayName} <button type="button" className="secondary" onClick={() => add(g)}>Add<span className="visually-hidden"> {g.displayName}</span></button></li>)}
          </ul>
        ) : <p role="status">No group starts with “{search}”.</p>
      ) : null}
      <div className="inline-form">
        <label>Add a group by its object id<input value={manual} onChange={(e) => setManual(e.target.value)} placeholder="00000000-0000-0000-0000-000000000000" /></label>
        <button type="button" className="secondary" onClick={() => { if (manual.trim()) add({ id: manual.trim() }); setManual(''); }}>Add group id</button>
      </div>
    </fieldset>
  );
}
