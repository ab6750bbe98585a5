import type { Counts } from '../api';

/** Total, Active and Synced (no sync problems), the numbers an admin checks first. */
export function CountsLine({ counts }: { readonly counts: Counts }) {
  return (
    <dl className="counts">
      <div><dt>Total</dt><dd>{counts.total}</dd></div>
      <div><dt>Active</dt><dd>{counts.active}</dd></div>
      <div><dt>Synced</dt><dd>{counts.synced}</dd></div>
      <div><dt>With problems</dt><dd>{counts.withProblems}</dd></div>
    </dl>
  );
}
