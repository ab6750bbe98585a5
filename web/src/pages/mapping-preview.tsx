/** What the edited mapping makes of one real person, before anything is saved. */
import { useId, useState } from 'react';
import { api, toApiError, type ApiError, type Derived, type MappingEntry, type RosterField } from '../api';
import { ErrorMessage } from '../components/error-message';
import { valueText } from '../components/value-text';
import { useAsync } from '../hooks/use-async';
import { useDebounced } from '../hooks/use-debounced';
import { TableScroll } from '../components/table-scroll';

export function MappingPreview({ listId, fields, entries }: { readonly listId: string; readonly fields: readonly RosterField[]; readonly entries: () => MappingEntry[] }) {
  const [search, setSearch] = useState('');
  const personSelect = useId();
  const q = useDebounced(search.trim(), 250);
  const people = useAsync((signal) => api.roster.people(listId, { search: q, limit: 50 }, signal), [listId, q]);
  const [personId, setPersonId] = useState('');
  const [result, setResult] = useState<Derived>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const person = people.data?.people.find((p) => p.id === personId);
  const chosen = personId || people.data?.people[0]?.id || '';

  const run = async () => {
    if (!chosen) return;
    setBusy(true);
    setError(undefined);
    try {
      if (!personId) setPersonId(chosen);
      setResult(await api.roster.preview(listId, chosen, entries()));
    } catch (err) {
      setError(toApiError(err));
      setResult(undefined);
    } finally {
      setBusy(false);
    }
  };
  const current = (person ?? people.data?.people.find((p) => p.id === chosen))?.fields ?? {};
  return (
    <section aria-labelledby="preview-h" className="preview">
      <h2 id="preview-h" tabIndex={-1}>Preview on a person</h2>
      <label>Find a person<input type="search" value={search} onChange={(e) => setSearch(e.target.value)} /></label>
      <label htmlFor={personSelect}>Person</label>
      <select id={personSelect} value={chosen} onChange={(e) => { setPersonId(e.target.value); setResult(undefined); }}>
          {people.data?.people.length ? null : <option value="">Nobody on the list yet</option>}
        {people.data?.people.map((p) => <option key={p.id} value={p.id}>{p.userName}</option>)}
      </select>
      <button type="button" className="secondary" disabled={!chosen || busy} onClick={() => void run()}>Preview</button>
      <ErrorMessage error={error ?? people.error} />
      {result ? (
        <TableScroll label="Preview of this mapping" live>
          <table className="changes">
            <caption>Preview for {people.data?.people.find((p) => p.id === chosen)?.userName ?? chosen}</caption>
            <thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">With this mapping</th></tr></thead>
            <tbody>
              {fields.map((f) => {
                const now = valueText(current[f.key]);
                const then = valueText(result.values[f.key]);
                // Fields empty before and after say nothing about the mapping; they would bury the ones that do.
                if (now === '—' && then === '—') return null;
                return (
                  <tr key={f.key} className={now !== then ? 'changed' : undefined}>
                    <th scope="row">{f.label}</th><td>{now}</td><td>{then}{now !== then ? <span className="visually-hidden"> (changes)</span> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {result.problems.length ? (
            <>
              <h3>Problems this mapping would cause</h3>
              <ul>{result.problems.map((p, i) => <li key={i}><strong>{p.field}</strong>: {p.problem}</li>)}</ul>
            </>
          ) : <p className="ok">No sync problems for this person.</p>}
        </TableScroll>
      ) : null}
    </section>
  );
}
