/**
 * The groups whose members belong on the list. Searching Entra by name needs a saved connection
 * (Muster asks Graph with the stored secret), so the first group can also be added by its id.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { ErrorMessage } from '../components/error-message';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const [manualProblem, setManualProblem] = useState('');
  const chosen = (id: string) => value.some((v) => v.id.toLowerCase() === id.toLowerCase());
  const add = (g: PickedGroup) => {
    if (!chosen(g.id)) onChange([...value, g]);
  };
  const addManual = () => {
    const id = manual.trim();
    if (!id) return;
    // Entra object ids are GUIDs (Groups → the group → Object ID); a name typed here would fail the first run.
    if (!GUID.test(id)) {
      setManualProblem(`“${id}” is not a group object id. In Entra it looks like 0a1b2c3d-4e5f-6789-abcd-ef0123456789 (Groups → the group → Object ID)${connected ? ', or search for the group by name above' : ''}.`);
      return;
    }
    if (chosen(id)) {
      setManualProblem('That group is already chosen.');
      return;
    }
    setManualProblem('');
    add({ id });
    setManual('');
  };
  const offered = found?.filter((g) => !chosen(g.id));
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
            <li key={g.id}>{g.displayName ?? <>Group <code>{g.id}</code> <span className="hint">(name shown once saved)</span></>}
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
      {found && offered ? (
        offered.length ? (
          <ul className="results" aria-label="Groups found">
            {offered.map((g) => <li key={g.id}>{g.displayName} <button type="button" className="secondary" onClick={() => add(g)}>Add<span className="visually-hidden"> {g.displayName}</span></button></li>)}
          </ul>
        ) : <p role="status">{found.length ? `Every group starting with “${search}” is already chosen.` : `No group starts with “${search}”.`}</p>
      ) : null}
      <div className="inline-form">
        <label>Add a group by its object id<input value={manual} onChange={(e) => { setManual(e.target.value); setManualProblem(''); }}
          placeholder="00000000-0000-0000-0000-000000000000" aria-invalid={manualProblem ? true : undefined} aria-describedby={manualProblem ? 'group-id-problem' : undefined} /></label>
        <button type="button" className="secondary" onClick={addManual}>Add group id</button>
      </div>
      {manualProblem ? <p id="group-id-problem" className="error" role="alert">{manualProblem}</p> : null}
    </fieldset>
  );
}
