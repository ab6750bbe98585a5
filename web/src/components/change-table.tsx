/** An audit event's changes, field by field, before and after. */
import type { FieldChange } from '../api';
import { valueText } from './value-text';

export function ChangeTable({ changes, caption }: { readonly changes: readonly FieldChange[]; readonly caption: string }) {
  if (changes.length === 0) return <p>No field changes recorded.</p>;
  return (
    <div className="table-scroll">
      <table className="changes">
        <caption>{caption}</caption>
        <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
        <tbody>
          {changes.map((c, i) => (
            <tr key={i}>
              <th scope="row"><code>{c.field}</code></th>
              <td className="before">{valueText(c.before)}</td>
              <td className="after">{valueText(c.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
