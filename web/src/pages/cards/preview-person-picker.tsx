/**
 * Whom the card editor previews on: a search the server answers (the first matches only, never a
 * whole roster) and a select of those matches. The person chosen stays in the select while a
 * new search runs; with no choice yet, the first active person is taken.
 */
import { useEffect } from 'react';
import type { MasterList, Person } from '../../api';
import { SelectField } from '../../components/select-field';
import { usePeopleSearch } from '../../hooks/use-people-search';
import { personName } from '../../person-name';

const PAGE = 20;

interface Props {
  readonly list: MasterList;
  readonly person: Person | undefined;
  readonly onChange: (p: Person | undefined) => void;
}

export function PreviewPersonPicker({ list, person, onChange }: Props) {
  const s = usePeopleSearch(list.id, PAGE);
  const found = s.page.data?.people ?? [];
  useEffect(() => { if (!person && found[0]) onChange(found[0]); }, [person, found[0]?.id]);
  const options = person && !found.some((p) => p.id === person.id) ? [person, ...found] : found;
  const more = s.page.data ? s.page.data.total - found.length : 0;
  return (
    <div className="preview-person">
      <label>Find a person to preview<input type="search" value={s.search} onChange={(e) => s.setSearch(e.target.value)} placeholder="Name, email…" /></label>
      <SelectField label="Preview person" value={person?.id ?? ''} onChange={(e) => onChange(options.find((p) => p.id === e.target.value))}>
        {options.length ? null : <option value="">{s.page.loading ? 'Loading…' : 'Nobody matches'}</option>}
        {options.map((p) => <option key={p.id} value={p.id}>{personName(p)}</option>)}
      </SelectField>
      {more > 0 ? <span className="hint">{more} more match: search to narrow down.</span> : null}
    </div>
  );
}
