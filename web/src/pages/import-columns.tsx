/** Which columns a CSV import takes: field keys or labels, the unique identifier's required. */
import { apiUrl, type MasterList, type RosterField } from '../api';
import { TableScroll } from '../components/table-scroll';

export function ImportColumns({ list, fields }: { readonly list: MasterList; readonly fields: readonly RosterField[] }) {
  const uid = fields.find((f) => f.unique);
  return (
    <section aria-labelledby="import-columns-h">
      <h2 id="import-columns-h">The columns</h2>
      <p>
        The first row names the columns, each by a field’s key or its label (either spelling, any case).
        {uid ? <> The <strong>{uid.label}</strong> column (<code>{uid.key}</code>) is required: it is how rows are matched to people.</> : null}{' '}
        Other columns are optional; a person already on the list keeps the fields a file leaves out.
        A row with a value that does not fit its field is skipped whole and reported; the others are imported.
      </p>
      <p>
        <a href={apiUrl(`/lists/${list.id}/people/export`)} download>Download the current roster as CSV</a> to use as a template.
        Edit it and import it back as it is: its <code>id</code> and <code>sync_problems</code> columns are Muster’s own and are ignored.
      </p>
      <details>
        <summary>All {fields.length} fields of {list.name}</summary>
        <TableScroll label="Fields a CSV import can fill">
          <table className="cards">
            <caption className="visually-hidden">Fields a CSV import can fill</caption>
            <thead><tr><th scope="col">Label</th><th scope="col">Key</th><th scope="col">Accepts</th></tr></thead>
            <tbody>
              {fields.map((f) => (
                <tr key={f.key}>
                  <th scope="row" data-label="Label">{f.label}{f.unique ? ' (unique identifier, required)' : f.required ? ' (required)' : ''}</th>
                  <td data-label="Key"><code>{f.key}</code></td>
                  <td data-label="Accepts">{f.type === 'dropdown' ? `one of: ${(f.options ?? []).join(', ')}` : f.type}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </section>
  );
}
