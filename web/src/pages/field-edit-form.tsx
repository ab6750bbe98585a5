/**
 * Changes a roster field: its label, whether it is required and, for a dropdown, its options. The
 * key never changes, and the unique identifier stays required (roster-service updateField); the
 * server's refusal is shown in words beside the inputs. One form below the field list, not a
 * button in every row: each row already costs keyboard users five Tab stops.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type FieldChanges, type RosterField } from '../api';
import { ErrorMessage } from '../components/error-message';
import { SelectField } from '../components/select-field';
import { OptionsInput, parseOptions } from './options-input';

export interface FieldEditFormProps {
  readonly listId: string;
  readonly fields: readonly RosterField[];
  readonly onSaved: (field: RosterField, jobId: string) => void;
}

export function FieldEditForm({ listId, fields, onSaved }: FieldEditFormProps) {
  const [key, setKey] = useState('');
  const field = fields.find((f) => f.key === key) ?? fields[0];
  const [label, setLabel] = useState('');
  const [required, setRequired] = useState(false);
  const [options, setOptions] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  // Another field chosen, or the saved one reloaded: the inputs show what it is now.
  const shown = field ? JSON.stringify([field.key, field.label, field.required, field.options ?? []]) : '';
  useEffect(() => {
    if (!field) return;
    setLabel(field.label);
    setRequired(field.required);
    setOptions((field.options ?? []).join('\n'));
    setError(undefined);
  }, [shown]);
  if (!field) return null;

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
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form field-edit" aria-labelledby="edit-field-h" onSubmit={submit}>
      <h2 id="edit-field-h">Change a field</h2>
      <SelectField label="Field" value={field.key} onChange={(e) => setKey(e.target.value)}>
        {fields.map((f) => <option key={f.key} value={f.key}>{f.label} ({f.key})</option>)}
      </SelectField>
      <label>Label<input value={label} required onChange={(e) => setLabel(e.target.value)} /></label>
      <label className="inline">
        <input type="checkbox" checked={field.unique || required} disabled={field.unique} aria-describedby={field.unique ? 'edit-field-uid' : undefined}
          onChange={(e) => setRequired(e.target.checked)} /> Required
      </label>
      {field.unique ? <span id="edit-field-uid" className="hint">Always required: it is the unique identifier.</span> : null}
      {field.type === 'dropdown' ? <OptionsInput label="Options" value={options} onChange={setOptions} /> : null}
      <button type="submit" disabled={busy}>Save field</button>
      <ErrorMessage error={error} />
    </form>
  );
}
