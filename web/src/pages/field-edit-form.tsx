/**
 * Edits a roster field in place: its label, whether it is required and, for a dropdown, its
 * options. The key never changes, and the unique identifier stays required (roster-service
 * updateField); the server's refusal is shown in words beside the field.
 */
import { useId, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type FieldChanges, type RosterField } from '../api';
import { ErrorMessage } from '../components/error-message';
import { OptionsInput, parseOptions } from './options-input';

export interface FieldEditFormProps {
  readonly listId: string;
  readonly field: RosterField;
  readonly onSaved: (field: RosterField, jobId: string) => void;
  readonly onCancel: () => void;
}

export function FieldEditForm({ listId, field, onSaved, onCancel }: FieldEditFormProps) {
  const [label, setLabel] = useState(field.label);
  const [required, setRequired] = useState(field.required);
  const [options, setOptions] = useState((field.options ?? []).join('\n'));
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const heading = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    const changes: FieldChanges = { label: label.trim(), required, ...(field.type === 'dropdown' ? { options: parseOptions(options) } : {}) };
    try {
      const r = await api.roster.updateField(listId, field.key, changes);
      onSaved(r.field, r.jobId);
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };
  return (
    <form className="field-edit stack" aria-labelledby={heading} onSubmit={submit}>
      <h3 id={heading} className="visually-hidden">Edit field {field.label}</h3>
      <label>Label<input value={label} required onChange={(e) => setLabel(e.target.value)} /></label>
      <label className="inline">
        <input type="checkbox" checked={field.unique || required} disabled={field.unique} onChange={(e) => setRequired(e.target.checked)} /> Required
        {field.unique ? <span className="hint"> (always: it is the unique identifier)</span> : null}
      </label>
      {field.type === 'dropdown' ? <OptionsInput label="Options" value={options} onChange={setOptions} /> : null}
      <ErrorMessage error={error} />
      <div className="row-actions">
        <button type="submit" disabled={busy}>Save field<span className="visually-hidden"> {field.label}</span></button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel<span className="visually-hidden"> editing {field.label}</span></button>
      </div>
    </form>
  );
}
