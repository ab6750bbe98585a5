/** Choose people to print: a search box and a checkbox per person. */
import { useState } from 'react';
import type { Person } from '../../api';
import { personName } from '../../person-name';

export function PeoplePicker({ people, chosen, onChange }: { readonly people: readonly Person[]; readonly chosen: ReadonlySet<string>; readonly onChange: (s: ReadonlySet<string>) => void }) {
  const [q, setQ] = useState('');
  const shown = people.filter((p) => `${personName(p)} ${p.userName}`.toLowerCase().includes(q.trim().toLowerCase())).slice(0, 100);
  const toggle = (id: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    onChange(next);
  };
  return (
    <div className="people-picker">
      <label>Find people to print<input type="search" value={q} onChange={(e) => setQ(e.target.value)} /></label>
      <p className="hint" role="status" aria-live="polite">{chosen.size} chosen</p>
      <ul aria-label="People to print">
        {shown.map((p) => (
          <li key={p.id}><label className="inline"><input type="checkbox" checked={chosen.has(p.id)} onChange={(e) => toggle(p.id, e.target.checked)} /> {personName(p)} <span className="hint">{p.userName}</span></label></li>
        ))}
      </ul>
    </div>
  );
}
