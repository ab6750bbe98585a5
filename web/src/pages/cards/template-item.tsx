/**
 * One card template in the Cards tab: open it in the editor; writers may also duplicate it under
 * a new name and delete it (after confirming). The last template stays: printing needs one.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type MasterList, type TemplateRecord } from '../../api';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime } from '../../components/date-time';
import { Link } from '../../router';
import { renamedCopy } from './template-model';
import { TemplateRefusal } from './template-refusal';

interface Props {
  readonly list: MasterList;
  readonly template: TemplateRecord;
  readonly canWrite: boolean;
  readonly canDelete: boolean;
  readonly onChanged: (message: string) => Promise<void>;
}

export function TemplateItem({ list, template: t, canWrite, canDelete, onChanged }: Props) {
  const [copying, setCopying] = useState(false);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const elements = t.template.front.elements.length + t.template.back.elements.length;

  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    try {
      const message = await fn();
      setCopying(false);
      await onChanged(message);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const duplicate = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const copy = await api.cards.create(list.id, renamedCopy(t.template, name.trim()));
      return `“${t.name}” was copied as “${copy.name}”.`;
    });
  };

  return (
    <li aria-label={`Template ${t.name}`}>
      <Link to={`/lists/${list.id}/cards/${t.id}`}>{canWrite ? 'Edit' : 'View'} “{t.name}”</Link>{' '}
      <span className="hint">{t.template.orientation ?? 'landscape'}, {elements} {elements === 1 ? 'element' : 'elements'}, changed <DateTime value={t.updatedAt} /></span>
      {canWrite ? (
        <div className="row-actions">
          {!copying ? (
            <button type="button" className="secondary" onClick={() => { setName(`Copy of ${t.name}`); setCopying(true); setError(undefined); }}>
              Duplicate<span className="visually-hidden"> “{t.name}”</span>
            </button>
          ) : null}
          {canDelete ? (
            <ConfirmButton label="Delete" ariaLabel={`Delete template “${t.name}”`} confirmLabel={`Delete “${t.name}”`} className="secondary"
              question={`Delete the template “${t.name}”? Cards already printed with it stay valid.`}
              onConfirm={() => run(async () => { await api.cards.remove(list.id, t.id); return `The template “${t.name}” was deleted.`; })} />
          ) : null}
        </div>
      ) : null}
      {copying ? (
        <form className="inline-form" onSubmit={duplicate}>
          <label>Name of the copy of “{t.name}”<input value={name} required maxLength={200} autoFocus onChange={(e) => setName(e.target.value)} /></label>
          <button type="submit" disabled={busy || !name.trim()}>Save copy</button>
          <button type="button" className="secondary" onClick={() => setCopying(false)}>Cancel</button>
        </form>
      ) : null}
      <TemplateRefusal error={error} />
    </li>
  );
}
