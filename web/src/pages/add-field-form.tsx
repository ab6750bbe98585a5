/** Adds a roster field (its key is permanent; a dropdown comes with its options); every person is re-derived by a job. */
import { useState, type FormEvent } from 'react';
import { api, FIELD_TYPES, toApiError, type ApiError, type FieldType } from '../api';
import { ErrorMessage } from '../components/error-message';
import { SelectField } from '../components/select-field';
import { OptionsInput, parseOptions } from './options-input';

/** "Badge colour" → badge_colour, "Größe (cm)" → grosse_cm: accents dropped, ß spelled out, anything else an underscore. */
export const keyOf = (label: string) => label.normalize('NFKD').replace(/\p{M}/gu, '').replace(/ß/g, 'ss').toLowerCase()
  .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^(\d)/, 'f_$1').slice(0, 63).replace(/_+$/, '');

export function AddFieldForm({ listId, onAdded }: { readonly listId: string; readonly onAdded: (key: string, label: string, jobId: string) => void }) {
  const [label, setLabel] = useState('');
  // The key follows the label until the admin types one of their own.
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const shownKey = keyEdited ? key : keyOf(label);
  const [type, setType] = useState<FieldType>('text');
  const [options, setOptions] = useState('');
  const [error, setError] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const k = shownKey;
    try {
      const r = await api.roster.addField(listId, { key: k, label: label.trim(), type, ...(type === 'dropdown' ? { options: parseOptions(options) } : {}) });
      setLabel('');
      setKey('');
      setKeyEdited(false);
      setOptions('');
      onAdded(k, label.trim(), r.jobId);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <form onSubmit={submit} className="inline-form add-field" aria-labelledby="add-field-h">
      <h2 id="add-field-h">Add a field</h2>
      <label>Label<input id="add-field-label" value={label} required onChange={(e) => setLabel(e.target.value)} placeholder="Badge colour" /></label>
      <label>Key<input value={shownKey} required onChange={(e) => { setKey(e.target.value); setKeyEdited(e.target.value !== ''); }} placeholder="badge_colour"
        pattern="[a-z][a-z0-9_]{0,62}" aria-describedby="key-hint" /></label>
      <span id="key-hint" className="hint">{keyEdited ? 'Permanent; lower-case letters, digits, underscores.' : 'Made from the label; permanent once added. Change it here if you like.'}</span>
      <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value as FieldType)}>
          {FIELD_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </SelectField>
      {type === 'dropdown' ? <OptionsInput label="Options" value={options} onChange={setOptions} /> : null}
      <button type="submit">Add field</button>
      <ErrorMessage error={error} />
    </form>
  );
}
