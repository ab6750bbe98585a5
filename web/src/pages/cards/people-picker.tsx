/**
 * Choose people to print: a search the server answers a page at a time, a checkbox per person,
 * and who is chosen so far (kept across searches and pages, with their names for the results).
 */
import type { MasterList } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { usePeopleSearch } from '../../hooks/use-people-search';
import { personName } from '../../person-name';

const PAGE = 20;

interface Props {
  readonly list: MasterList;
  /** Chosen people: id → name. */
  readonly chosen: ReadonlyMap<string, string>;
  readonly onChange: (chosen: ReadonlyMap<string, string>) => void;
}

export function PeoplePicker({ list, chosen, onChange }: Props) {
  const s = usePeopleSearch(list.id, PAGE);
  const page = s.page.data;
  const toggle = (id: string, name: string, on: boolean) => {
    const next = new Map(chosen);
    if (on) next.set(id, name);
    else next.delete(id);
    onChange(next);
  };
  return (
    <div className="people-picker">
      <label>Find people to print<input type="search" value={s.search} onChange={(e) => s.setSearch(e.target.value)} placeholder="Name, email, department…" /></label>
      <p className="hint" role="status" aria-live="polite">
        {chosen.size} chosen{page ? `; ${page.total === 0 ? 'nobody active matches' : `showing ${page.offset + 1}–${page.offset + page.people.length} of ${page.total}`}` : ''}
      </p>
      <ErrorMessage error={s.page.error} />
      <ul aria-label="People to print">
        {(page?.people ?? []).map((p) => (
          <li key={p.id}><label className="inline"><input type="checkbox" checked={chosen.has(p.id)} onChange={(e) => toggle(p.id, personName(p), e.target.checked)} /> {personName(p)} <span className="hint">{p.userName}</span></label></li>
        ))}
      </ul>
      {s.hasPrevious || s.hasNext ? (
        <div className="pager">
          <button type="button" className="secondary" disabled={!s.hasPrevious} onClick={s.previous}>Previous people</button>
          <button type="button" className="secondary" disabled={!s.hasNext} onClick={s.next}>More people</button>
        </div>
      ) : null}
      {chosen.size ? (
        <div className="toolbar">
          <span className="hint">Chosen: {[...chosen.values()].slice(0, 10).join(', ')}{chosen.size > 10 ? ` and ${chosen.size - 10} more` : ''}</span>
          <button type="button" className="link" onClick={() => onChange(new Map())}>Clear the choice</button>
        </div>
      ) : null}
    </div>
  );
}
