/** A job's progress: a labelled progressbar and a sentence that screen readers hear as it changes. */
import type { Job } from '../api';

export function ProgressBar({ job, label }: { readonly job: Job; readonly label: string }) {
  const finished = job.status === 'done';
  const text = job.status === 'failed'
    ? `${label} failed: ${job.error ?? 'unknown error'}`
    : finished ? `${label} finished: ${job.total} ${job.total === 1 ? 'person' : 'people'} checked.`
      : `${label}: ${job.percent}% (${job.done} of ${job.total})`;
  return (
    <div className="progress">
      <progress aria-label={label} max={100} value={job.percent}>{job.percent}%</progress>
      <p role="status" aria-live="polite">{text}</p>
    </div>
  );
}
