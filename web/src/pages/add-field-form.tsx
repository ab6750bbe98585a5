/** Adds a roster field (its key is permanent; a dropdown comes with its options); every person is re-derived by a job. */
import { useState, type FormEvent } from 'react';
import { api, FIELD_TYPES, toApiError, type ApiError, type FieldType } from '../api';
import { ErrorMessage } from '../components/error-message';
import { SelectField } from '../components/select-field';
import { OptionsInput, parseOptions } from './options-input';

const keyOf = (label: string) => label.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^(\d)/, 'f_$1').slice(0, 63);

export function AddFieldForm({ listId, onAdded }: { readonly listId: string; readonly onAdded: (key: string, jobId: string) => void }) {
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [type, setType] = useState<FieldType>('text');
  const [options, setOptions] = useState('');
  const [error, setError] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const k = key || keyOf(label);
    try {
      const r = await api.roster.addField(listId, { key: k, label: label.trim(), type, ...(type === 'dropdown' ? { options: parseOptions(options) } : {}) });
      setLabel('');
      setKey('');
      setOptions('');
      onAdded(k, r.jobId);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <form onSubmit={submit} className="inline-form add-field" aria-labelledby="add-field-h">
      <h2 id="add-field-h">Add a field</h2>
      <label>Label<input value={label} required onChange={(e) => setLabel(e.target.value)} placeholder="Badge colour" /></label>
      <label>Key<input value={key} onChange={(e) => setKey(e.target.value)} placeholder={keyOf(label) || 'badge_colour'} pattern="[a-z][a-z0-9_]{0,62}" aria-describedby="key-hint" /></label>
      <span id="key-hint" className="hint">Permanent; lower-case letters, digits, underscores.</span>
      <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value as FieldType)}>
          {FIELD_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </SelectField>
      {type === 'dropdown' ? <OptionsInput label="Options" value={options} onChange={setOptions} /> : null}
      <button type="submit">Add field</button>
      <ErrorMessage error={error} />
    </form>
  );
}
