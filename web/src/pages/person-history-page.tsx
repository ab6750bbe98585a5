/**
 * A person's whole history on one printable page, for a compliance request (a subject access
 * request, an investigation): every event about them, oldest first, in the list's words, with
 * the IdP and request behind each. The app's frame is left off the printout (print CSS).
 */
import { api, apiUrl, type AuditEvent } from '../api';
import { changeSentence } from '../components/change-table';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { personName } from '../person-name';
import { Link } from '../router';
import { TableScroll } from '../components/table-scroll';

/** A page of the history asks for this many events; a history longer than MAX is for the CSV export. */
const PAGE = 1000;
const MAX = 10_000;

async function wholeHistory(listId: string, personId: string): Promise<{ events: AuditEvent[]; complete: boolean }> {
  const events: AuditEvent[] = [];
  let cursor: number | undefined;
  for (;;) {
    const r = await api.audit.events(listId, { personId, limit: PAGE, order: 'asc', cursor });
    events.push(...r.events);
    if (r.next === null) return { events, complete: true };
    if (events.length >= MAX) return { events, complete: false };
    cursor = r.next;
  }
}

export function PersonHistoryPage({ listId, personId }: { readonly listId: string; readonly personId: string }) {
  const data = useAsync(async () => {
    const [list, person, history] = await Promise.all([api.lists.get(listId), api.roster.person(listId, personId), wholeHistory(listId, personId)]);
    return { list, person, history, at: new Date().toISOString() };
  }, [listId, personId]);
  if (data.error) return <section className="page"><h1>History</h1><ErrorMessage error={data.error} /></section>;
  if (!data.data) return <section className="page"><p role="status">Loading history…</p></section>;
  const { list, person, history, at } = data.data;
  const name = personName(person);
  return (
    <section className="page printable">
      <div className="toolbar no-print">
        <Link to={`/lists/${list.id}/people/${encodeURIComponent(person.id)}`}>← Back to {name}</Link>
        <button type="button" onClick={() => window.print()}>Print</button>
        <a className="button secondary" href={apiUrl(`/lists/${list.id}/audit/export`, { format: 'csv', personId: person.id })} download>Export CSV</a>
      </div>
      <h1>History of {name}</h1>
      <dl className="facts">
        <div><dt>List</dt><dd>{list.name}</dd></div>
        <div><dt>Person id</dt><dd><code>{person.id}</code></dd></div>
        <div><dt>Username</dt><dd>{person.userName}</dd></div>
        <div><dt>Status</dt><dd>{person.active ? 'Active' : 'Deactivated'}</dd></div>
        <div><dt>Prepared</dt><dd><DateTime value={at} /></dd></div>
        <div><dt>Events</dt><dd>{history.events.length}{history.complete ? '' : ` (the first ${history.events.length}; the CSV export has them all)`}</dd></div>
      </dl>
      {history.events.length === 0 ? <p>No events.</p> : (
        <TableScroll label={`Every event about ${name}`}>
          <table className="history cards">
            <caption>Every event about {name}, oldest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Changes and details</th><th scope="col">By</th></tr></thead>
            <tbody>
              {history.events.map((e) => (
                <tr key={e.seq}>
                  <td data-label="When"><DateTime value={e.time} /></td>
                  <th scope="row" data-label="What">{e.words.title}</th>
                  <td data-label="Changes and details">
                    {e.words.changes.length || e.words.facts.length ? (
                      <ul className="plain">
                        {e.words.changes.map((c, i) => <li key={`c${i}`}>{changeSentence(c)}</li>)}
                        {e.words.facts.map((f, i) => <li key={`f${i}`}>{f.label}: {f.text}</li>)}
                      </ul>
                    ) : null}
                  </td>
                  <td data-label="By">
                    {e.idp ? e.idp.name : e.actor}
                    {e.requestId ? <><br /><span className="hint">request <code>{e.requestId}</code></span></> : null}
                    <br /><span className="hint">event #{e.seq}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
