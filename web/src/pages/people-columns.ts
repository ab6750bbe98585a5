/** Which roster fields the people table shows: the unique identifier, then the usual suspects. */
import type { RosterField } from '../api';

const PREFERRED = ['first_name', 'last_name', 'display_name', 'work_email', 'department', 'job_title'];

export function peopleColumns(fields: readonly RosterField[], max = 5): RosterField[] {
  const uid = fields.find((f) => f.unique);
  const rest = PREFERRED.map((k) => fields.find((f) => f.key === k)).filter((f): f is RosterField => !!f && f !== uid);
  const cols = [...(uid ? [uid] : []), ...rest];
  for (const f of fields) if (cols.length < max && !cols.includes(f) && f.key !== 'active') cols.push(f);
  return cols.slice(0, max);
}
