/** A print job followed to the end: progress, then who was printed, who was skipped and why, and the PDF. */
import { api, type MasterList, type PrintResult } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { SKIP_LABELS } from '../../credential-words';
import { useJob } from '../../hooks/use-job';
import { SHOWN, useSkippedNames } from './use-skipped-names';

export function PrintProgress({ list, jobId, names: known }: { readonly list: MasterList; readonly jobId: string; readonly names: ReadonlyMap<string, string> }) {
  const { job, error } = useJob(list.id, jobId);
  const r = job?.status === 'done' ? (job.result as PrintResult | null) : null;
  const names = useSkippedNames(list.id, r?.skipped ?? [], known);
  if (error) return <ErrorMessage error={error} />;
  if (!job) return <p role="status">Starting the print job…</p>;
  const sentence = job.status === 'failed' ? `Printing failed: ${job.error ?? 'unknown error'}`
    : r ? `Printing finished: ${r.printed} ${r.printed === 1 ? 'card' : 'cards'} printed on ${r.pages} ${r.pages === 1 ? 'page' : 'pages'}, ${r.skippedCount} skipped.`
      : `Printing: ${job.percent}% (${job.done} of ${job.total})`;
  return (
    <div className="progress print-progress">
      <progress aria-label="Printing" max={100} value={job.status === 'done' ? 100 : job.percent}>{job.percent}%</progress>
      <p role="status" aria-live="polite">{sentence}</p>
      {r && r.printed > 0 ? <p><a className="button" href={api.cards.pdfUrl(list.id, jobId)} download={`cards-${jobId}.pdf`}>Download the PDF</a></p> : null}
      {r && r.skipped.length ? (
        <>
          <h3>Skipped</h3>
          <ul aria-label="Skipped people">
            {r.skipped.slice(0, SHOWN).map((s) => <li key={s.id}>{names.get(s.id) ?? s.id}: {SKIP_LABELS[s.reason] ?? s.message ?? s.reason}</li>)}
          </ul>
          {r.skippedCount > Math.min(SHOWN, r.skipped.length) ? <p className="hint">and {r.skippedCount - Math.min(SHOWN, r.skipped.length)} more.</p> : null}
        </>
      ) : null}
    </div>
  );
}
