/**
 * Wallet passes by email for many people at once (issue 14): to everyone active on the list, or
 * to the people the roster shows now (its filters and page), as a background job whose progress
 * is shown until it ends. Each person gets the wallet-pass-delivery email; passes they lack are
 * issued first. Shown only where email and at least one wallet are set up.
 */
import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError, type Job } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { useAsync } from '../../hooks/use-async';

interface DeliveryResult { readonly sent: number; readonly skippedCount: number; readonly skipped: readonly { id: string; message: string }[] }

export function DeliverPasses({ listId, shownIds }: { readonly listId: string; readonly shownIds: readonly string[] }) {
  const email = useAsync(() => api.email.settings(), []);
  const apple = useAsync(() => api.wallets.apple(), []);
  const google = useAsync(() => api.wallets.google(), []);
  const [jobId, setJobId] = useState<string>();
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    if (!jobId) return undefined;
    let stop = false;
    const tick = async () => {
      try {
        const j = await api.roster.job(listId, jobId);
        if (stop) return;
        setJob(j);
        if (j.status === 'done' || j.status === 'failed') return;
      } catch (err) {
        setError(toApiError(err));
        return;
      }
      if (!stop) setTimeout(() => void tick(), 1000);
    };
    void tick();
    return () => { stop = true; };
  }, [listId, jobId]);
  const wallets = (apple.data && (apple.data.configured || apple.data.source === 'installation')) || (google.data && (google.data.configured || google.data.source === 'installation'));
  if (!email.data?.configured || !wallets) return null;

  const start = async (ids?: readonly string[]) => {
    setError(undefined);
    setJob(undefined);
    try {
      setJobId((await api.wallets.emailPassesToMany(listId, ids)).jobId);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const running = job ? job.status === 'queued' || job.status === 'running' : jobId !== undefined;
  const result = job?.status === 'done' ? job.result as DeliveryResult : undefined;
  return (
    <details className="panel deliver-passes">
      <summary>Email wallet passes</summary>
      <p className="hint">Each person gets an email with their Apple Wallet link and “Save to Google Wallet” link; passes not issued yet are issued first. Deactivated people and people without an email address are skipped.</p>
      <div className="toolbar">
        <button type="button" disabled={running} onClick={() => void start()}>Email wallet passes to everyone active</button>
        <button type="button" className="secondary" disabled={running || shownIds.length === 0} onClick={() => void start(shownIds)}>Email wallet passes to the {shownIds.length} shown</button>
      </div>
      {job ? (
        <div className="progress">
          <progress aria-label="Emailing wallet passes" max={100} value={job.percent}>{job.percent}%</progress>
          <p role="status" aria-live="polite">
            {job.status === 'failed' ? `Emailing wallet passes stopped: ${job.error ?? 'unknown error'}`
              : result ? `Wallet passes emailed to ${result.sent} ${result.sent === 1 ? 'person' : 'people'}${result.skippedCount ? `; ${result.skippedCount} skipped` : ''}.`
                : `Emailing wallet passes: ${job.done} of ${job.total}`}
          </p>
          {result?.skipped.length ? <ul>{result.skipped.slice(0, 20).map((s) => <li key={s.id}>{s.id}: {s.message}</li>)}</ul> : null}
        </div>
      ) : null}
      <ErrorMessage error={error} />
    </details>
  );
}
