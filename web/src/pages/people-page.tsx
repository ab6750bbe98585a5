/** The roster: search, sort, filter by status and sync problems, page; refreshed while visible. */
import { useState } from 'react';
import { api, apiUrl, type PeopleQuery } from '../api';
import { CountsLine } from '../components/counts-line';
import { ErrorMessage } from '../components/error-message';
import { valueText } from '../components/value-text';
import { useAsync } from '../hooks/use-async';
import { useDebounced } from '../hooks/use-debounced';
import { usePoll } from '../hooks/use-poll';
import { Link } from '../router';
import type { ListTabProps } from './list-page';
import { peopleColumns } from './people-columns';
import { SelectField } from '../components/select-field';
import { useSession } from '../session';
import { CREDENTIAL_SUMMARY, PHOTO_SUMMARY } from '../credential-words';
import { DeliverPasses } from './credentials/deliver-passes';
import { TableScroll } from '../components/table-scroll';

const PAGE = 50;

export function PeoplePage({ list }: ListTabProps) {
  const { canWrite } = useSession();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<PeopleQuery['status']>('');
  const [problems, setProblems] = useState<PeopleQuery['problems']>('');
  const [photo, setPhoto] = useState<PeopleQuery['photo']>('');
  const [credential, setCredential] = useState<PeopleQuery['credential']>('');
  const [sort, setSort] = useState<{ key: string; order: 'asc' | 'desc' } | null>(null);
  const [offset, setOffset] = useState(0);
  const q = useDebounced(search.trim(), 250);

  const fields = useAsync(() => api.roster.fields(list.id), [list.id]);
  const query: PeopleQuery = { search: q, status, problems, photo, credential, sort: sort?.key, order: sort?.order, offset, limit: PAGE };
  const people = useAsync((signal) => api.roster.people(list.id, query, signal), [list.id, q, status, problems, photo, credential, sort?.key, sort?.order, offset]);
  // People arrive from the IdP while the admin watches: refresh quietly.
  usePoll(() => people.reload(true), 3000);

  const cols = fields.data ? peopleColumns(fields.data.fields) : [];
  const filter = (fn: () => void) => { fn(); setOffset(0); };
  const sortBy = (key: string) => filter(() => setSort((s) => (s?.key === key ? { key, order: s.order === 'asc' ? 'desc' : 'asc' } : { key, order: 'asc' })));
  const ariaSort = (key: string) => (sort?.key === key ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined);
  const page = people.data;

  return (
    <section>
      <h1>{list.name}: people</h1>
      {page ? <CountsLine counts={page.counts} /> : null}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>Search people<input type="search" value={search} onChange={(e) => filter(() => setSearch(e.target.value))} placeholder="Name, email, department…" /></label>
        <SelectField label="Status" value={status} onChange={(e) => filter(() => setStatus(e.target.value as PeopleQuery['status']))}>
            <option value="">All</option><option value="active">Active</option><option value="deactivated">Deactivated</option>
          </SelectField>
        <SelectField label="Sync problems" value={problems} onChange={(e) => filter(() => setProblems(e.target.value as PeopleQuery['problems']))}>
            <option value="">All</option><option value="true">With problems</option><option value="false">Without problems</option>
          </SelectField>
        <SelectField label="Photo" value={photo} onChange={(e) => filter(() => setPhoto(e.target.value as PeopleQuery['photo']))}>
            <option value="">All</option><option value="none">No photo</option><option value="pending">Photo waiting for approval</option>
          </SelectField>
        <SelectField label="Card" value={credential} onChange={(e) => filter(() => setCredential(e.target.value as PeopleQuery['credential']))}>
            <option value="">All</option><option value="none">No card yet</option><option value="revoked">Revoked</option>
          </SelectField>
        <a className="button secondary" href={apiUrl(`/lists/${list.id}/people/export`)} download>Export CSV</a>
        {canWrite && list.syncMethod === 'none' ? <Link className="button" to={`/lists/${list.id}/people/import`}>Import CSV</Link> : null}
      </form>
      <ErrorMessage error={people.error ?? fields.error} />
      {canWrite && page && page.counts.total > 0 ? <DeliverPasses listId={list.id} shownIds={page.people.filter((p) => p.active).map((p) => p.id)} /> : null}
      {page ? (
        <>
          {page.counts.total === 0 ? <EmptyList list={list} canWrite={canWrite} /> : null}
          <p role="status" aria-live="polite" className="status">
            {page.total === 0 ? (page.counts.total === 0 ? '' : 'No people match.') : `Showing ${page.offset + 1}–${page.offset + page.people.length} of ${page.total} ${page.total === 1 ? 'person' : 'people'}`}
          </p>
          {page.people.length > 0 ? (
            <TableScroll label={`People on ${list.name}`}>
              <table className="cards people">
                <caption className="visually-hidden">People on {list.name}</caption>
                <thead>
                  <tr>
                    {cols.map((c) => (
                      <th key={c.key} scope="col" aria-sort={ariaSort(c.key)}>
                        <button type="button" className="sort" onClick={() => sortBy(c.key)}>
                          {c.label}<span aria-hidden="true">{sort?.key === c.key ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                        </button>
                      </th>
                    ))}
                    <th scope="col">Status</th>
                    <th scope="col">Photo</th>
                    <th scope="col">Card</th>
                    <th scope="col">Sync</th>
                  </tr>
                </thead>
                <tbody>
                  {page.people.map((p) => (
                    <tr key={p.id}>
                      {cols.map((c, i) => (
                        <td key={c.key} data-label={c.label}>
                          {i === 0 ? <Link to={`/lists/${list.id}/people/${p.id}`}>{valueText(p.fields[c.key] ?? p.userName)}</Link> : valueText(p.fields[c.key])}
                        </td>
                      ))}
                      <td data-label="Status"><span className={p.active ? 'badge ok' : 'badge off'}>{p.active ? 'Active' : 'Deactivated'}</span></td>
                      <td data-label="Photo"><span className={`badge ${PHOTO_SUMMARY[p.photoStatus].tone}`}>{PHOTO_SUMMARY[p.photoStatus].label}</span></td>
                      <td data-label="Card"><span className={`badge ${CREDENTIAL_SUMMARY[p.credentialStatus].tone}`}>{CREDENTIAL_SUMMARY[p.credentialStatus].label}</span></td>
                      <td data-label="Sync">{p.problems.length ? <span className="badge warn">{p.problems.length} {p.problems.length === 1 ? 'problem' : 'problems'}</span> : <span className="badge ok">Synced</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          ) : null}
          <div className="pager">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous page</button>
            <button type="button" className="secondary" disabled={page.offset + page.people.length >= page.total} onClick={() => setOffset(offset + PAGE)}>Next page</button>
          </div>
        </>
      ) : people.loading ? <p role="status">Loading people…</p> : null}
    </section>
  );
}

/** An empty list says where people come from: the Sync tab, or a CSV file for a list without sync. */
function EmptyList({ list, canWrite }: Pick<ListTabProps, 'list'> & { readonly canWrite: boolean }) {
  return (
    <div className="panel empty-state">
      <h2>No one is on this list yet</h2>
      {list.syncMethod === 'none' ? (
        <p>People arrive from your identity provider once syncing is set up, or from a spreadsheet.</p>
      ) : <p>People arrive as soon as your identity provider sends them.</p>}
      <p className="toolbar">
        <Link className="button" to={`/lists/${list.id}/sync`}>{list.syncMethod === 'none' ? 'Set up syncing on the Sync tab' : 'Check the set-up on the Sync tab'}</Link>
        {canWrite && list.syncMethod === 'none' ? <Link className="button secondary" to={`/lists/${list.id}/people/import`}>Import a CSV file</Link> : null}
      </p>
    </div>
  );
}
