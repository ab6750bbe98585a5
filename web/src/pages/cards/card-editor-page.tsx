/**
 * The card editor: one template's front and back as element lists with their properties, a live
 * SVG preview on a chosen person, "Preview as PDF" on the server, and Save, whose problems are
 * shown next to the element and property they name.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, toApiError, type ApiError, type CardTemplate, type ElementType, type MasterList, type Person, type SideName } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { SelectField } from '../../components/select-field';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { Link } from '../../router';
import { useSession } from '../../session';
import { CardSvg, type PreviewData } from './card-svg';
import { ElementForm } from './element-form';
import { ElementList } from './element-list';
import { PdfPreview } from './pdf-preview';
import { previewData } from './preview-person';
import { PreviewPersonPicker } from './preview-person-picker';
import { moveElement, newElement, placeProblems, removeElement, replaceElement, SIDES, withElements, type ProblemPlace } from './template-model';

export function CardEditorPage({ list, templateId }: { readonly list: MasterList; readonly templateId: string }) {
  const { canWrite, session } = useSession();
  const record = useAsync(() => api.cards.template(list.id, templateId), [list.id, templateId]);
  const [draft, setDraft] = useState<CardTemplate>();
  const [side, setSide] = useState<SideName>('front');
  const [selected, setSelected] = useState(0);
  const [person, setPerson] = useState<Person>();
  const [data, setData] = useState<PreviewData>({ fields: {}, photoUrl: null, verifyUrl: `${location.origin}/v/preview` });
  const [problems, setProblems] = useState<ProblemPlace[]>([]);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const [dirty, setDirty] = useState(false);

  useEffect(() => { if (record.data && !draft) setDraft(record.data.template); }, [record.data, draft]);
  useEffect(() => {
    let stale = false;
    void previewData(list, person, location.origin).then((d) => { if (!stale) setData(d); });
    return () => { stale = true; };
  }, [list, person?.id]);

  const problemsAt = useMemo(() => (s: SideName, i: number) => problems.filter((p) => p.side === s && p.index === i), [problems]);
  if (record.error) return <section><h1>Card editor</h1><ErrorMessage error={record.error} /></section>;
  if (!draft) return <section><p role="status">Loading the card template…</p></section>;

  const edit = (t: CardTemplate) => { setDraft(t); setDirty(true); setStatus(''); };
  const elements = draft[side].elements;
  const element = elements[selected];
  const byProperty: Record<string, string[]> = {};
  for (const p of problemsAt(side, selected)) (byProperty[p.property ?? ''] ??= []).push(p.message);
  const general = problems.filter((p) => p.index === undefined);

  const save = async () => {
    setError(undefined);
    setProblems([]);
    setStatus('Saving…');
    try {
      const saved = await api.cards.save(list.id, templateId, draft);
      setDraft(saved.template);
      setDirty(false);
      setStatus(`Saved “${saved.name}”.`);
    } catch (err) {
      const e = toApiError(err);
      setStatus('');
      if (e.code === 'invalid_template' && e.problems.length) {
        setProblems(placeProblems(e.problems));
        setStatus(`Not saved: the template has ${e.problems.length} ${e.problems.length === 1 ? 'problem' : 'problems'}, shown next to the elements below.`);
      } else setError(e);
    }
  };
  const add = (type: ElementType) => {
    edit(withElements(draft, side, [...elements, newElement(draft, type)]));
    setSelected(elements.length);
  };

  return (
    <section className="card-editor">
      <p><Link to={`/lists/${list.id}/cards`}>← Card templates</Link></p>
      <h1>Card editor: {draft.name ?? 'Card'}</h1>
      {!canWrite ? <p>Read-only: viewers cannot change card templates.</p> : null}
      <div className="toolbar editor-actions">
        <PreviewPersonPicker list={list} person={person} onChange={setPerson} />
        <PdfPreview list={list} personId={person?.id} template={draft} />
        {canWrite ? <button type="button" onClick={() => void save()}>Save template</button> : null}
      </div>
      <StatusMessage>{dirty && !status ? 'Unsaved changes.' : status}</StatusMessage>
      <ErrorMessage error={error} />
      {general.length ? <ul className="error" aria-label="Template problems">{general.map((p, i) => <li key={i}>{p.path ? <code>{p.path}</code> : null} {p.message}</li>)}</ul> : null}
      <div className="editor-grid">
        <div className="previews">
          {SIDES.map((s) => (
            <figure key={s} className={s === side ? 'current' : undefined}>
              <CardSvg template={draft} side={s} data={withOrganisation(data, session.organisation?.name ?? '')} selectedId={s === side ? element?.id : undefined} />
              <figcaption>{s === 'front' ? 'Front' : 'Back'}</figcaption>
            </figure>
          ))}
        </div>
        <div className="editor-panel">
          <fieldset disabled={!canWrite} className="template-props">
            <legend>Template</legend>
            <div className="grid-2">
              <label>Template name<input value={draft.name ?? ''} onChange={(e) => edit({ ...draft, name: e.target.value })} /></label>
              <SelectField label="Orientation" value={draft.orientation ?? 'landscape'} onChange={(e) => edit({ ...draft, orientation: e.target.value as 'landscape' | 'portrait' })}>
                <option value="landscape">Landscape</option><option value="portrait">Portrait</option>
              </SelectField>
            </div>
          </fieldset>
          <div role="group" aria-label="Side" className="segmented">
            {SIDES.map((s) => <button key={s} type="button" aria-pressed={s === side} className={s === side ? '' : 'secondary'} onClick={() => { setSide(s); setSelected(0); }}>{s === 'front' ? 'Front' : 'Back'}</button>)}
          </div>
          <label className="inline">{side === 'front' ? 'Front' : 'Back'} background
            <input type="color" disabled={!canWrite} value={draft[side].background ?? '#ffffff'} onChange={(e) => edit({ ...draft, [side]: { ...draft[side], background: e.target.value } })} />
          </label>
          <ElementList side={side} elements={elements} selected={selected} readOnly={!canWrite} problemCount={(i) => problemsAt(side, i).length}
            onSelect={setSelected} onAdd={add}
            onMove={(i, by) => { edit(moveElement(draft, side, i, by)); setSelected(i + by); }}
            onRemove={(i) => { edit(removeElement(draft, side, i)); setSelected(Math.max(0, i - 1)); }} />
          {element ? (
            <fieldset disabled={!canWrite} className="plain">
              <ElementForm element={element} problems={byProperty}
                onChange={(next) => edit(replaceElement(draft, side, selected, next))}
                onTypeChange={(type) => {
                  const fresh = newElement(draft, type);
                  edit(replaceElement(draft, side, selected, { ...fresh, id: element.id, x: element.x, y: element.y, width: element.width, height: element.height }));
                }} />
            </fieldset>
          ) : <p>This side has no elements yet.</p>}
        </div>
      </div>
    </section>
  );
}

/** As the server prints it: `{organisation}` is the person's organisation from the IdP, else this organisation's name. */
function withOrganisation(d: PreviewData, orgName: string): PreviewData {
  const v = d.fields.organisation;
  return v === undefined || v === null || v === '' ? { ...d, fields: { ...d.fields, organisation: orgName } } : d;
}
