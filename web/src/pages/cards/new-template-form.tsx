/**
 * "New template": a name and a starting point (a copy of the list's first template, or a blank
 * CR80 card); the new template opens in the editor.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type MasterList, type TemplateRecord } from '../../api';
import { SelectField } from '../../components/select-field';
import { navigate } from '../../router';
import { blankTemplate, renamedCopy } from './template-model';
import { TemplateRefusal } from './template-refusal';

export function NewTemplateForm({ list, model }: { readonly list: MasterList; readonly model: TemplateRecord | undefined }) {
  const [name, setName] = useState('');
  const [start, setStart] = useState<'copy' | 'blank'>(model ? 'copy' : 'blank');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    setBusy(true);
    setError(undefined);
    try {
      const t = start === 'copy' && model ? renamedCopy(model.template, n) : blankTemplate(n);
      const created = await api.cards.create(list.id, t);
      navigate(`/lists/${list.id}/cards/${created.id}`);
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="panel stack" aria-labelledby="new-template-h">
      <h2 id="new-template-h">New template</h2>
      <label>Name of the new template<input value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} placeholder="Visitor pass" /></label>
      <SelectField label="Start from" value={start} onChange={(e) => setStart(e.target.value as 'copy' | 'blank')}>
        {model ? <option value="copy">A copy of “{model.name}”</option> : null}
        <option value="blank">A blank card (CR80, landscape)</option>
      </SelectField>
      <div><button type="submit" disabled={busy || !name.trim()}>{busy ? 'Creating…' : 'Create template'}</button></div>
      <TemplateRefusal error={error} />
    </form>
  );
}
