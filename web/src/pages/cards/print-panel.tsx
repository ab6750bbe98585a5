/**
 * Print: template, layout (card printer, A4, Letter), sides, everyone with an approved photo or
 * chosen people, reissue; then the job's progress, who was printed or skipped and why, the PDF.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type MasterList, type TemplateRecord } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { SelectField } from '../../components/select-field';
import { PeoplePicker } from './people-picker';
import { PrintProgress } from './print-progress';

export function PrintPanel({ list, templates }: { readonly list: MasterList; readonly templates: readonly TemplateRecord[] }) {
  const [picked, setTemplateId] = useState(templates[0]!.id);
  // A template deleted meanwhile is no choice any more: fall back to the first.
  const templateId = templates.some((t) => t.id === picked) ? picked : templates[0]!.id;
  const [layout, setLayout] = useState('card');
  const [sides, setSides] = useState('both');
  const [who, setWho] = useState<'everyone' | 'chosen'>('everyone');
  const [chosen, setChosen] = useState<ReadonlyMap<string, string>>(new Map());
  const [reissue, setReissue] = useState(false);
  const [jobId, setJobId] = useState<string>();
  const [error, setError] = useState<ApiError>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setJobId(undefined);
    try {
      const job = await api.cards.print(list.id, { templateId, layout, sides, reissue, ...(who === 'chosen' ? { personIds: [...chosen.keys()] } : {}) });
      setJobId(job.id);
    } catch (err) {
      setError(toApiError(err));
    }
  };

  return (
    <section aria-labelledby="print-h" className="panel">
      <h2 id="print-h">Print cards</h2>
      <form onSubmit={submit} className="stack">
        <div className="row">
          <SelectField label="Template" value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            {templates.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </SelectField>
          <SelectField label="Layout" value={layout} onChange={(e) => setLayout(e.target.value)}>
            <option value="card">Card printer (one card per page)</option>
            <option value="a4">A4 sheets with crop marks</option>
            <option value="letter">Letter sheets with crop marks</option>
          </SelectField>
          <SelectField label="Sides" value={sides} onChange={(e) => setSides(e.target.value)}>
            <option value="both">Front and back</option>
            <option value="front">Front only</option>
          </SelectField>
        </div>
        <fieldset>
          <legend>Who</legend>
          <label className="inline"><input type="radio" name="who" checked={who === 'everyone'} onChange={() => setWho('everyone')} /> Everyone active with an approved photo</label>
          <label className="inline"><input type="radio" name="who" checked={who === 'chosen'} onChange={() => setWho('chosen')} /> Chosen people</label>
          {who === 'chosen' ? <PeoplePicker list={list} chosen={chosen} onChange={setChosen} /> : null}
        </fieldset>
        <label className="inline"><input type="checkbox" checked={reissue} onChange={(e) => setReissue(e.target.checked)} /> Reissue: revoke each person’s current card (a lost card stops verifying)</label>
        <div><button type="submit" disabled={who === 'chosen' && chosen.size === 0}>Print</button></div>
        <ErrorMessage error={error} />
      </form>
      {jobId ? <PrintProgress list={list} jobId={jobId} names={chosen} /> : null}
    </section>
  );
}
