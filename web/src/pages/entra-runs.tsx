/** "Sync now" and the run history; a run in progress is followed live. */
import { useState } from 'react';
import { api, toApiError, type ApiError, type EntraRunResult, type Job } from '../api';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { usePoll } from '../hooks/use-poll';
import { useSession } from '../session';

const active = (j: Job) => j.status === 'queued' || j.status === 'running';

function summary(j: Job): EntraRunResult {
  const r = (j.progress ?? j.result) as EntraRunResult | null;
  return r ?? {};
}

export function EntraRuns({ listId }: { readonly listId: string }) {
  const { canWrite } = useSession();
  const runs = useAsync(() => api.entra.runs(listId), [listId]);
  const [error, setError] = useState<ApiError>();
  const list = runs.data?.runs ?? [];
  const running = list.find(active);
  usePoll(() => runs.reload(true), running ? 1000 : 10_000);
  const syncNow = async () => {
    setError(undefined);
    try {
      await api.entra.syncNow(listId);
      await runs.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <section aria-labelledby="runs-h">
      <h3 id="runs-h">Sync runs</h3>
      {canWrite ? <button type="button" onClick={() => void syncNow()} disabled={!!running}>Sync now</button> : null}
      <ErrorMessage error={error ?? runs.error} />
      <p role="status" aria-live="polite" className="status">
        {running ? `Run ${running.status}: ${running.done} people processed${summary(running).pages !== undefined ? `, ${summary(running).pages} pages` : ''}.` : ''}
      </p>
      {running ? <progress aria-label="Sync run progress" /> : null}
      {list.length ? (
        <div className="table-scroll">
          <table className="cards">
            <caption className="visually-hidden">Sync runs, newest first</caption>
            <thead><tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col" className="num">Pages</th><th scope="col" className="num">Created</th><th scope="col" className="num">Updated</th><th scope="col" className="num">Deactivated</th><th scope="col">Notes</th></tr></thead>
            <tbody>
              {list.map((j) => {
                const s = summary(j);
                return (
                  <tr key={j.id}>
                    <td data-label="Started"><DateTime value={j.startedAt ?? j.createdAt} /></td>
                    <td data-label="Status">{j.status}</td>
                    <td data-label="Pages" className="num">{s.pages ?? '—'}</td>
                    <td data-label="Created" className="num">{s.created ?? '—'}</td>
                    <td data-label="Updated" className="num">{s.updated ?? '—'}</td>
                    <td data-label="Deactivated" className="num">{s.deactivated ?? '—'}</td>
                    <td data-label="Notes">{j.error ?? (s.errors?.length ? s.errors.join('; ') : s.full ? 'full round' : '')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : runs.data ? <p>No runs yet.</p> : null}
    </section>
  );
}
