/** A dropdown field's options, typed one a line; blank lines and surrounding spaces are dropped. */
import { useId } from 'react';

export function parseOptions(text: string): string[] {
  return text.split('\n').map((o) => o.trim()).filter((o) => o !== '');
}

export function OptionsInput({ label, value, onChange }: { readonly label: string; readonly value: string; readonly onChange: (text: string) => void }) {
  const id = useId();
  return (
    <div className="field options-input">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={4} value={value} required aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.value)} />
      <span id={`${id}-hint`} className="hint">One option a line. Values are matched to them ignoring case.</span>
    </div>
  );
}
