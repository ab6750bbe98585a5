/**
 * Picks the SCIM attribute that feeds a field, from the attributes this list has actually
 * received (with a sample value and how many people had it), or any path typed by hand.
 */
import { useState } from 'react';
import type { ReceivedAttribute } from '../api';
import { valueText } from '../components/value-text';

const OTHER = '\u0000other';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:';

/** The enterprise extension's long URN, shortened for the eye (the value keeps the full path). */
const pathText = (p: string) => (p.startsWith(ENTERPRISE) ? `enterprise:${p.slice(ENTERPRISE.length)}` : p);

function short(v: unknown): string {
  const s = valueText(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

export function SourcePicker({ value, attributes, label, onChange, disabled }: {
  readonly value: string; readonly attributes: readonly ReceivedAttribute[]; readonly label: string;
  readonly onChange: (v: string) => void; readonly disabled?: boolean;
}) {
  const known = attributes.some((a) => a.path === value);
  // A path not received yet still shows as its own option; the text box is only for typing a new one.
  const [typing, setTyping] = useState(false);
  return (
    <span className="source-picker">
      <select aria-label={label} disabled={disabled} value={typing ? OTHER : value}
        onChange={(e) => {
          if (e.target.value === OTHER) setTyping(true);
          else { setTyping(false); onChange(e.target.value); }
        }}>
        {value === '' ? <option value="">Choose an attribute…</option> : null}
        {!known && value !== '' ? <option value={value}>{pathText(value)} (not received yet)</option> : null}
        {attributes.map((a) => (
          <option key={a.path} value={a.path} title={a.path}>{pathText(a.path)} — e.g. “{short(a.sample)}”, received {a.count} {a.count === 1 ? 'time' : 'times'}</option>
        ))}
        <option value={OTHER}>Type a path…</option>
      </select>
      {typing ? <input aria-label={`${label}: SCIM path`} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} placeholder='urn:…:User:costCode or emails[type eq "work"].value' /> : null}
    </span>
  );
}
