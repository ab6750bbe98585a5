/** The audit trail's filter form: action, person (by name, email or identifier), IdP (any case) and a date range; they combine. */
import type { FormEvent } from 'react';
import type { AuditFilter } from '../api';
import { ACTION_LABELS } from '../labels';
import { SelectField } from '../components/select-field';

/** `until` from a date picker means "up to the end of that day"; the API wants "before this time". */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function AuditFilters({ value, onApply }: { readonly value: AuditFilter & { untilDay?: string }; readonly onApply: (f: AuditFilter & { untilDay?: string }) => void }) {
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    const untilDay = s('until');
    onApply({ action: s('action'), person: s('person'), idp: s('idp'), since: s('since'), until: untilDay ? dayAfter(untilDay) : undefined, untilDay });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter the audit trail" key={JSON.stringify(value)}>
      <SelectField label="Action" name="action" defaultValue={value.action ?? ''}>
          <option value="">Any action</option>
          {Object.entries(ACTION_LABELS).map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </SelectField>
      <label>Person<input name="person" defaultValue={value.person ?? ''} placeholder="Name, email or identifier" aria-describedby="person-hint" /></label>
      <p id="person-hint" className="hint visually-hidden">A person's name, email, employee number or username, or the id of a person or group.</p>
      <label>IdP<input name="idp" defaultValue={value.idp ?? ''} placeholder="Okta, Microsoft Entra ID…" /></label>
      <label>From<input name="since" type="date" defaultValue={value.since ?? ''} /></label>
      <label>To<input name="until" type="date" defaultValue={value.untilDay ?? ''} /></label>
      <button type="submit">Apply filters</button>
    </form>
  );
}
