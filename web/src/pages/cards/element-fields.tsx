/** Small labelled inputs of the element form: numbers, colours (optionally none), choices; each shows its problems. */
import { useId, type ReactNode } from 'react';

interface Base {
  readonly label: string;
  readonly problems?: readonly string[];
}

function Problems({ id, problems }: { readonly id: string; readonly problems?: readonly string[] }) {
  if (!problems?.length) return null;
  return <span id={id} className="field-problem">{problems.join(' ')}</span>;
}

function Field({ label, problems, children }: Base & { readonly children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  const pid = `${id}-p`;
  return (
    <div className={problems?.length ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children(id, problems?.length ? pid : undefined)}
      <Problems id={pid} problems={problems} />
    </div>
  );
}

export function NumberField({ label, problems, value, onChange, min, max, step = 0.1 }: Base & { readonly value: number | undefined; readonly onChange: (v: number) => void; readonly min?: number; readonly max?: number; readonly step?: number }) {
  return (
    <Field label={label} problems={problems}>
      {(id, d) => <input id={id} type="number" inputMode="decimal" step={step} min={min} max={max} value={value ?? ''} aria-invalid={d ? true : undefined} aria-describedby={d}
        onChange={(e) => { const n = e.target.valueAsNumber; if (Number.isFinite(n)) onChange(n); }} />}
    </Field>
  );
}

export function TextField({ label, problems, value, onChange, multiline, hint }: Base & { readonly value: string; readonly onChange: (v: string) => void; readonly multiline?: boolean; readonly hint?: string }) {
  return (
    <Field label={label} problems={problems}>
      {(id, d) => (
        <>
          {multiline
            ? <textarea id={id} rows={2} value={value} aria-invalid={d ? true : undefined} aria-describedby={d} onChange={(e) => onChange(e.target.value)} />
            : <input id={id} value={value} aria-invalid={d ? true : undefined} aria-describedby={d} onChange={(e) => onChange(e.target.value)} />}
          {hint ? <span className="hint">{hint}</span> : null}
        </>
      )}
    </Field>
  );
}

export function ChoiceField<T extends string>({ label, problems, value, options, onChange }: Base & { readonly value: T; readonly options: readonly (readonly [T, string])[]; readonly onChange: (v: T) => void }) {
  return (
    <Field label={label} problems={problems}>
      {(id, d) => (
        <select id={id} value={value} aria-invalid={d ? true : undefined} aria-describedby={d} onChange={(e) => onChange(e.target.value as T)}>
          {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      )}
    </Field>
  );
}

/** A colour; with `noneLabel` it may be switched off (null), e.g. a shape without an outline. */
export function ColourField({ label, problems, value, onChange, noneLabel, fallback = '#000000' }: Base & { readonly value: string | null | undefined; readonly onChange: (v: string | null) => void; readonly noneLabel?: string; readonly fallback?: string }) {
  const none = value === null || value === undefined;
  return (
    <Field label={label} problems={problems}>
      {(id, d) => (
        <span className="colour-field">
          <input id={id} type="color" value={none ? fallback : value} disabled={Boolean(noneLabel) && none} aria-describedby={d} onChange={(e) => onChange(e.target.value)} />
          {noneLabel ? <label className="inline"><input type="checkbox" checked={none} onChange={(e) => onChange(e.target.checked ? null : fallback)} /> {noneLabel}</label> : null}
        </span>
      )}
    </Field>
  );
}
