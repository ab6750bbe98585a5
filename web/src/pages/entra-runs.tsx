/** "Sync now" and the run history; a run in progress is followed live. */
import { useEffect, useRef, useState } from 'react';
import { api, toApiError, type ApiError, type EntraRunResult, type Job } from '../api';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { usePoll } from '../hooks/use-poll';
import { useSession } from '../session';
import { TableScroll } from '../components/table-scroll';

const STATUS_WORDS: Record<string, string> = { queued: 'Waiting to start', running: 'Running', done: 'Finished', failed: 'Failed', superseded: 'Replaced by a newer run' };

const active = (j: Job) => j.status === 'queued' || j.status === 'running';

function summary(j: Job): EntraRunResult {
  const r = (j.progress ?? j.result) as EntraRunResult | null;
  return r ?? {};
}

/**
 * `onRunEnded`: a run went from queued or running to finished (the section's summary, people in
 * scope and last run, reloads then); `onRunStarted`: one was queued.
 */
export function EntraRuns({ listId, onRunEnded, onRunStarted }: { readonly listId: string; readonly onRunEnded?: () => void; readonly onRunStarted?: () => void }) {
  const { canWrite } = useSession();
  const runs = useAsync(() => api.entra.runs(listId), [listId]);
  const [error, setError] = useState<ApiError>();
  const list = runs.data?.runs ?? [];
  const running = list.find(active);
  usePoll(() => runs.reload(true), running ? 1000 : 10_000);
  const wasRunning = useRef<string | undefined>(undefined);
  useEffect(() => {
    const id = running?.id;
    if (wasRunning.current && wasRunning.current !== id) onRunEnded?.();
    else if (!wasRunning.current && id) onRunStarted?.();
    wasRunning.current = id;
  }, [running?.id, onRunEnded, onRunStarted]);
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
        {running ? `${running.status === 'queued' ? 'Run waiting to start' : 'Run in progress'}: ${running.done} people processed${summary(running).pages !== undefined ? `, ${summary(running).pages} pages` : ''}.` : ''}
      </p>
      {running ? <progress aria-label="Sync run progress" /> : null}
      {list.length ? (
        <TableScroll label="Sync runs, newest first">
          <table className="cards">
            <caption className="visually-hidden">Sync runs, newest first</caption>
            <thead><tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col" className="num">Pages</th><th scope="col" className="num">Created</th><th scope="col" className="num">Updated</th><th scope="col" className="num">Deactivated</th><th scope="col">Notes</th></tr></thead>
            <tbody>
              {list.map((j) => {
                const s = summary(j);
                return (
                  <tr key={j.id}>
                    <td data-label="Started"><DateTime value={j.startedAt ?? j.createdAt} /></td>
                    <td data-label="Status">{STATUS_WORDS[j.status] ?? j.status}</td>
                    <td data-label="Pages" className="num">{s.pages ?? '—'}</td>
                    <td data-label="Created" className="num">{s.created ?? '—'}</td>
                    <td data-label="Updated" className="num">{s.updated ?? '—'}</td>
                    <td data-label="Deactivated" className="num">{s.deactivated ?? '—'}</td>
                    <td data-label="Notes"><RunNotes job={j} result={s} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      ) : runs.data ? <p>No runs yet.</p> : null}
    </section>
  );
}

/** The run's notes in words, then its problems; a failed run says so first. */
function RunNotes({ job, result }: { readonly job: Job; readonly result: EntraRunResult }) {
  const lines = [
    ...(job.error ? [`The run stopped: ${job.error}`] : []),
    ...(result.notes ?? (active(job) ? [] : result.full ? ['Every person was read again.'] : [])),
    ...(result.errors ?? []),
  ];
  if (!lines.length) return null;
  if (lines.length === 1) return <>{lines[0]}</>;
  return <ul className="notes">{lines.map((l, i) => <li key={i}>{l}</li>)}</ul>;
}
