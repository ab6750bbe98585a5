/**
 * The mapping editor, full-screen: every roster field beside the SCIM attribute that feeds it.
 * Edits stay local until Save; Save answers with the re-derivation job, followed to the end.
 */
import { useEffect, useState, type MouseEvent } from 'react';
import { api, toApiError, type ApiError, type RosterField } from '../api';
import { ErrorMessage } from '../components/error-message';
import { ProgressBar } from '../components/progress-bar';
import { StatusMessage } from '../components/status-message';
import { useAsync } from '../hooks/use-async';
import { useJob } from '../hooks/use-job';
import { Link } from '../router';
import { useSession } from '../session';
import { AddFieldForm } from './add-field-form';
import { FieldEditForm } from './field-edit-form';
import { newEntry, sameMapping, toDraft, toEntries, type DraftEntry } from './mapping-draft';
import { MappingFieldRow } from './mapping-field-row';
import { MappingPreview } from './mapping-preview';

export function MappingEditorPage({ listId }: { readonly listId: string }) {
  const { canWrite } = useSession();
  const list = useAsync(() => api.lists.get(listId), [listId]);
  const fields = useAsync(() => api.roster.fields(listId), [listId]);
  const saved = useAsync(() => api.roster.mapping(listId), [listId]);
  const attrs = useAsync(() => api.roster.attributes(listId), [listId]);
  const [draft, setDraft] = useState<DraftEntry[]>();
  const [error, setError] = useState<ApiError>();
  const [jobId, setJobId] = useState<string>();
  const [jobLabel, setJobLabel] = useState('Re-deriving everyone');
  // Said beside the control that did it: the bar's Save, the field form, or the add-field form.
  const [said, setSaid] = useState<{ text: string; where: 'bar' | 'field' | 'add' }>({ text: '', where: 'bar' });
  // The progress bar announces the job's end itself; afterwards the "mapped" marks may have changed.
  const { job, error: jobError } = useJob(listId, jobId, () => void attrs.reload(true));

  useEffect(() => {
    if (saved.data) setDraft(toDraft(saved.data.entries));
  }, [saved.data]);

  const dirty = !!draft && !!saved.data && !sameMapping(toEntries(draft), saved.data.entries);
  const change = (uid: number, patch: Partial<DraftEntry>) => setDraft((d) => d?.map((e) => (e.uid === uid ? { ...e, ...patch } : e)));
  const add = (field: string) => setDraft((d) => [...(d ?? []), newEntry(field)]);
  const remove = (uid: number) => setDraft((d) => d?.filter((e) => e.uid !== uid));

  const save = async () => {
    if (!draft) return;
    setError(undefined);
    setSaid({ text: '', where: 'bar' });
    try {
      const r = await api.roster.saveMapping(listId, toEntries(draft));
      saved.set({ entries: r.entries, version: (saved.data?.version ?? 0) + 1 });
      setJobLabel('Re-deriving everyone with the new mapping');
      setJobId(r.job.id);
      setSaid({ text: 'Mapping saved.', where: 'bar' });
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const removeField = async (f: RosterField) => {
    setError(undefined);
    try {
      const r = await api.roster.removeField(listId, f.key);
      setDraft((d) => d?.filter((e) => e.field !== f.key));
      await fields.reload(true);
      setJobLabel(`Removing ${f.label}`);
      setJobId(r.jobId);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const fieldAdded = async (key: string, label: string, id: string) => {
    await fields.reload(true);
    setSaid({ text: `Field ${label} added: choose its source in the last row.`, where: 'add' });
    setDraft((d) => [...(d ?? []), newEntry(key)]);
    setJobLabel('Adding the field to everyone');
    setJobId(id);
  };

  const fieldSaved = async (f: RosterField, id: string) => {
    await fields.reload(true);
    setSaid({ text: `Field ${f.label} saved.`, where: 'field' });
    setJobLabel(`Re-checking everyone against ${f.label}`);
    setJobId(id);
  };

  // Past 60+ stops of field rows in one press; the heading takes focus, so the next Tab is the preview's search.
  const skipToPreview = (e: MouseEvent<HTMLAnchorElement>) => {
    const heading = document.getElementById('preview-h');
    if (!heading) return;
    e.preventDefault();
    heading.focus();
    heading.scrollIntoView({ block: 'nearest' });
  };
  // "Add a field" from the top of a long list: straight to the new field's label.
  const jumpToAddField = (e: MouseEvent<HTMLAnchorElement>) => {
    const input = document.getElementById('add-field-label');
    if (!input) return;
    e.preventDefault();
    input.scrollIntoView({ block: 'center' });
    input.focus();
  };

  const name = list.data?.name ?? 'List';
  const rows = fields.data?.fields ?? [];
  return (
    <div className="fullscreen">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="editor-bar">
        <Link to={`/lists/${listId}/people`}>← Back to {name}</Link>
        <h1>Mapping editor: {name}</h1>
        {canWrite ? (
          <div className="toolbar">
            {dirty ? <span className="badge warn">Unsaved changes</span> : null}
            <button type="button" className="secondary" disabled={!dirty} onClick={() => saved.data && setDraft(toDraft(saved.data.entries))}>Discard changes</button>
            <button type="button" disabled={!dirty} onClick={() => void save()}>Save mapping</button>
            <StatusMessage className="saved-note">{said.where === 'bar' ? said.text : ''}</StatusMessage>
          </div>
        ) : <span className="hint">Read-only: viewers cannot change the mapping.</span>}
      </header>
      <main id="main" className="editor">
        <div className="editor-main">
          {job ? <ProgressBar job={job} label={jobLabel} /> : null}
          <ErrorMessage error={error ?? jobError ?? fields.error ?? saved.error ?? attrs.error} />
          <p className="hint">
            Sources come from the {attrs.data?.attributes.length ?? 0} attributes this list has received so far, each with a sample value and how many
            times it arrived (every create, update or import that carried it counts once). When several sources feed one field, the first with a value wins.
          </p>
          <p className="jump-links">
            <a className="skip-preview" href="#preview-h" onClick={skipToPreview}>Skip to preview</a>
            {canWrite ? <a href="#add-field-h" onClick={jumpToAddField}>Add a field</a> : null}
          </p>
          {draft ? (
            <table className="mapping cards">
              <caption className="visually-hidden">Roster fields and the SCIM attributes that feed them</caption>
              <thead><tr><th scope="col">Roster field</th><th scope="col">Fed by (SCIM attribute and transform)</th></tr></thead>
              <tbody>
                {rows.map((f) => (
                  <MappingFieldRow key={f.key} field={f} entries={draft.filter((e) => e.field === f.key)} attributes={attrs.data?.attributes ?? []}
                    canWrite={canWrite} onChange={change} onAdd={add} onRemove={remove} onRemoveField={removeField} />
                ))}
              </tbody>
            </table>
          ) : <p role="status">Loading the mapping…</p>}
          {canWrite ? <FieldEditForm listId={listId} fields={rows} onSaved={(f, id) => void fieldSaved(f, id)} /> : null}
          {canWrite ? <StatusMessage>{said.where === 'field' ? said.text : ''}</StatusMessage> : null}
          {canWrite ? <AddFieldForm listId={listId} onAdded={(k, label, id) => void fieldAdded(k, label, id)} /> : null}
          {canWrite ? <StatusMessage>{said.where === 'add' ? said.text : ''}</StatusMessage> : null}
        </div>
        <aside className="editor-side" aria-label="Preview">
          <MappingPreview listId={listId} fields={rows} entries={() => toEntries(draft ?? [])} />
        </aside>
      </main>
    </div>
  );
}
