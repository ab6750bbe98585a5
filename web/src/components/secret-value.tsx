/** A value to copy somewhere else (a base URL, a token), shown in full with a copy button. */
import { CopyButton } from './copy-button';

export function SecretValue({ label, value, copyLabel }: { readonly label: string; readonly value: string; readonly copyLabel: string }) {
  const id = `v-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="secret">
      <span id={id} className="secret-label">{label}</span>
      <code aria-labelledby={id} className="secret-value">{value}</code>
      <CopyButton value={value} label={copyLabel} />
    </div>
  );
}
