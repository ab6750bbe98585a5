/**
 * CSV import for a list without a sync method: a chosen file is checked first (a dry run that
 * changes nothing), the report says what would happen row by row, and Import applies it.
 */
import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { api, toApiError, type ApiError, type ImportReport as Report } from '../api';
import { ErrorMessage } from '../components/error-message';
import { StatusMessage } from '../components/status-message';
import { useAsync } from '../hooks/use-async';
import { Link } from '../router';
import { useSession } from '../session';
import { ImportColumns } from './import-columns';
import { ImportReport } from './import-report';
import type { ListTabProps } from './list-page';

export function ImportPage({ list }: Pick<ListTabProps, 'list'>) {
  const { canWrite } = useSession();
  const fields = useAsync(() => api.roster.fields(list.id), [list.id]);
  const fileInput = useId();
  const [file, setFile] = useState<{ name: string; bytes: Blob }>();
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState('');
  const reportId = useId();
  const moved = useRef(false);

  // A new report is news: focus its heading so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (report && moved.current) document.getElementById(reportId)?.focus();
    moved.current = false;
  }, [report, reportId]);

  const run = async (csv: Blob, dryRun: boolean) => {
    setError(undefined);
    setBusy(dryRun ? 'Checking the file…' : 'Importing…');
    try {
      const r = await api.roster.importCsv(list.id, csv, dryRun);
      moved.current = true;
      setReport(r);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy('');
    }
  };
  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    setReport(undefined);
    setError(undefined);
    if (!f) return setFile(undefined);
    // The bytes as read now ("Check again" and Import send the same file), sent as they are: the
    // server refuses a file that is not UTF-8, where reading it as text here would turn it into U+FFFD.
    const bytes = new Blob([await f.arrayBuffer()], { type: 'text/csv' });
    setFile({ name: f.name, bytes });
    await run(bytes, true);
  };

  const back = <p><Link to={`/lists/${list.id}/people`}>← All people</Link></p>;
  if (list.syncMethod !== 'none') {
    return <section>{back}<h1>Import a CSV</h1><p>{list.name} is fed by its sync method ({list.syncMethod}); its identity provider would overwrite imported values. Imports are for lists without a sync method.</p></section>;
  }
  if (!canWrite) return <section>{back}<h1>Import a CSV</h1><p>Viewers cannot import people.</p></section>;
  const applicable = report?.dryRun && report.created + report.updated > 0;
  return (
    <section className="import">
      {back}
      <h1>{list.name}: import people from a CSV file</h1>
      <ErrorMessage error={fields.error} />
      {fields.data ? <ImportColumns list={list} fields={fields.data.fields} /> : null}
      <div className="panel stack">
        <label htmlFor={fileInput}>CSV file</label>
        <input id={fileInput} type="file" accept=".csv,text/csv" aria-describedby={`${fileInput}-hint`} onChange={(e) => void choose(e)} />
        <span id={`${fileInput}-hint`} className="hint">The file is checked first; nothing changes until you choose Import.</span>
      </div>
      <StatusMessage>{busy}</StatusMessage>
      <ErrorMessage error={error} />
      {report ? <ImportReport report={report} headingId={reportId} /> : null}
      {file && report?.dryRun ? (
        <div className="toolbar">
          {applicable ? <button type="button" disabled={!!busy} onClick={() => void run(file.bytes, false)}>Import</button>
            : <p>Nothing to import: no row would create or change a person.</p>}
          <button type="button" className="secondary" disabled={!!busy} onClick={() => void run(file.bytes, true)}>Check again</button>
        </div>
      ) : null}
      {report && !report.dryRun ? <p><Link className="button" to={`/lists/${list.id}/people`}>Show the people</Link></p> : null}
    </section>
  );
}
