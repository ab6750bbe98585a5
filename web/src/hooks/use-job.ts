/** Follows a background job (re-derivation, Entra run) until it is done or failed. */
import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError, type Job } from '../api';

export function useJob(listId: string, jobId: string | undefined, onFinished?: (job: Job) => void): { job: Job | undefined; error: ApiError | undefined } {
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    setJob(undefined);
    setError(undefined);
    if (!jobId) return;
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      try {
        const j = await api.roster.job(listId, jobId);
        if (stopped) return;
        setJob(j);
        if (j.status === 'done' || j.status === 'failed') {
          onFinished?.(j);
          return;
        }
      } catch (err) {
        if (!stopped) setError(toApiError(err));
        return;
      }
      timer = window.setTimeout(tick, 400);
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    // onFinished is a callback, not a reason to restart
  }, [listId, jobId]);
  return { job, error };
}
