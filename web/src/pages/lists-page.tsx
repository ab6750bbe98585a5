/** Every list of the organisation with its counts, and (for writers) the form to create one. */
import { api } from '../api';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { SYNC_LABELS, UID_LABELS } from '../labels';
import { Link } from '../router';
import { useSession } from '../session';
import { CreateListForm } from './create-list-form';
import { TableScroll } from '../components/table-scroll';

export function ListsPage() {
  const { canWrite } = useSession();
  const lists = useAsync(() => api.lists.all(), []);
  return (
    <section className="page">
      <h1>Lists</h1>
      <ErrorMessage error={lists.error} />
      {lists.loading && !lists.data ? <p role="status">Loading lists…</p> : null}
      {lists.data && lists.data.lists.length === 0 ? <FirstSteps canWrite={canWrite} /> : null}
      {lists.data && lists.data.lists.length > 0 ? (
        <TableScroll label="Lists and their counts">
          <table className="cards">
            <caption className="visually-hidden">Lists and their counts</caption>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Unique identifier</th><th scope="col">How people arrive</th>
                <th scope="col" className="num">Total</th><th scope="col" className="num">Active</th><th scope="col" className="num">Synced</th>
              </tr>
            </thead>
            <tbody>
              {lists.data.lists.map((l) => (
                <tr key={l.id}>
                  <td data-label="Name"><Link to={`/lists/${l.id}`}>{l.name}</Link></td>
                  <td data-label="Unique identifier">{UID_LABELS[l.uidAttribute] ?? l.uidAttribute}</td>
                  <td data-label="How people arrive">{SYNC_LABELS[l.syncMethod] ?? l.syncMethod}</td>
                  <td data-label="Total" className="num">{l.counts?.total ?? l.people ?? 0}</td>
                  <td data-label="Active" className="num">{l.counts?.active ?? '—'}</td>
                  <td data-label="Synced" className="num">{l.counts?.synced ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {canWrite ? <CreateListForm /> : null}
    </section>
  );
}

/** The first screen after sign-up: the two steps that get people onto a roster. */
function FirstSteps({ canWrite }: { readonly canWrite: boolean }) {
  if (!canWrite) return <p>No lists yet. An administrator of your organisation creates them.</p>;
  return (
    <section className="panel empty-state" aria-labelledby="first-steps-h">
      <h2 id="first-steps-h">Get started</h2>
      <ol className="steps">
        <li><a href="#create-list">Create a list</a>: one roster of people, such as your staff or your students.</li>
        <li>Connect your identity provider (Okta, Microsoft Entra ID, Google Workspace and others) on the new list&apos;s Sync tab, or import a spreadsheet.</li>
      </ol>
    </section>
  );
}
