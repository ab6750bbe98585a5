/**
 * An audit event's changes in the list's words, one row per roster field ("Department",
 * "Emergency", "Intensive Care"); the stored SCIM and roster paths each row stands for are one
 * disclosure away, for whoever checks the event against what the IdP sent.
 */
import type { ChangeInWords } from '../api';
import { TableScroll } from './table-scroll';

const EMPTY = '(empty)';

/** "Department: Emergency → Intensive Care". */
export const changeSentence = (c: ChangeInWords) => `${c.label}: ${c.before ?? EMPTY} → ${c.after ?? EMPTY}`;

export function ChangeTable({ changes, caption }: { readonly changes: readonly ChangeInWords[]; readonly caption: string }) {
  if (changes.length === 0) return <p>No field changes recorded.</p>;
  return (
    <>
      <TableScroll label={caption}>
        <table className="changes">
          <caption>{caption}</caption>
          <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
          <tbody>
            {changes.map((c, i) => (
              <tr key={i}>
                <th scope="row">{c.label}</th>
                <td className="before">{c.before ?? EMPTY}</td>
                <td className="after">{c.after ?? EMPTY}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <details className="paths">
        <summary>Stored paths (SCIM attribute and roster field)</summary>
        <dl className="facts">
          {changes.map((c, i) => <div key={i}><dt>{c.label}</dt><dd>{c.paths.map((p) => <code key={p}>{p}</code>)}</dd></div>)}
        </dl>
      </details>
    </>
  );
}
