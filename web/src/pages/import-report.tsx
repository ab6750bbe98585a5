/** A CSV import's report in words: the counts, then every refused row with its column, value and problem. */
import type { ImportReport as Report } from '../api';
import { TableScroll } from '../components/table-scroll';

const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;

/** The counts as one sentence, tense following whether the import was a dry run. */
export function reportSentence(r: Report): string {
  const rows = `${r.rows} ${r.rows === 1 ? 'row' : 'rows'}`;
  const badRows = new Set(r.errors.map((e) => e.row)).size;
  const skipped = r.dryRun ? 'would be skipped' : badRows === 1 ? 'was skipped' : 'were skipped';
  const bad = badRows ? `; ${badRows} ${badRows === 1 ? 'row has a problem and' : 'rows have problems and'} ${skipped}` : '';
  return r.dryRun
    ? `The file has ${rows}: ${people(r.created)} would be created, ${people(r.updated)} updated, ${people(r.unchanged)} unchanged${bad}.`
    : `Imported ${rows}: ${people(r.created)} created, ${people(r.updated)} updated, ${people(r.unchanged)} unchanged${bad}.`;
}

export function ImportReport({ report, headingId }: { readonly report: Report; readonly headingId: string }) {
  const r = report;
  return (
    <section aria-labelledby={headingId} className="import-report">
      <h2 id={headingId} tabIndex={-1}>{r.dryRun ? 'What the import would do' : 'Import finished'}</h2>
      <p>{reportSentence(r)}</p>
      <dl className="facts import-counts">
        <div><dt>Rows</dt><dd>{r.rows}</dd></div>
        <div><dt>{r.dryRun ? 'To create' : 'Created'}</dt><dd>{r.created}</dd></div>
        <div><dt>{r.dryRun ? 'To update' : 'Updated'}</dt><dd>{r.updated}</dd></div>
        <div><dt>Unchanged</dt><dd>{r.unchanged}</dd></div>
        <div><dt>Problems</dt><dd>{r.errors.length}</dd></div>
      </dl>
      {r.errors.length ? (
        <TableScroll label="Rows with problems">
          <table className="cards import-errors">
            <caption>Rows {r.dryRun ? 'that would be skipped' : 'that were skipped'} (the header is row 1)</caption>
            <thead><tr><th scope="col">Row</th><th scope="col">Column</th><th scope="col">Value</th><th scope="col">Problem</th></tr></thead>
            <tbody>
              {r.errors.map((e, i) => (
                <tr key={i}>
                  <th scope="row" data-label="Row">Row {e.row}</th>
                  <td data-label="Column">{e.column ?? 'the whole row'}</td>
                  <td data-label="Value">{e.value === undefined ? '—' : e.value === '' ? '(empty)' : <code>{e.value}</code>}</td>
                  <td data-label="Problem">{e.problem}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : <p className="ok">Every row is fine.</p>}
    </section>
  );
}
