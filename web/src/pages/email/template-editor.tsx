/**
 * The wording of one kind of message at a time: subject, plain text and HTML, the values it may
 * use, a preview with sample values (the HTML shown in a sandboxed frame that runs no script),
 * save, and back to Muster's default.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type EmailKind, type EmailPreview, type EmailTemplateDraft } from '../../api';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';

export function TemplateEditor({ canWrite }: { readonly canWrite: boolean }) {
  const all = useAsync(() => api.email.templates(), []);
  const [kind, setKind] = useState<EmailKind>('photo_invitation');
  const [draft, setDraft] = useState<EmailTemplateDraft>({ subject: '', text: '', html: '' });
  const [preview, setPreview] = useState<EmailPreview>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const current = all.data?.templates.find((t) => t.kind === kind);
  useEffect(() => {
    if (current) setDraft({ subject: current.subject, text: current.text, html: current.html });
    setPreview(undefined);
  }, [current]);

  const act = async (what: () => Promise<void>) => {
    setError(undefined);
    setStatus('');
    try {
      await what();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await api.email.saveTemplate(kind, draft);
      await all.reload(true);
      setStatus('Template saved: new messages use it.');
    });
  };
  const showPreview = () => void act(async () => setPreview(await api.email.preview(kind, draft)));
  const reset = () => act(async () => {
    await api.email.resetTemplate(kind);
    await all.reload(true);
    setStatus('Back to the default wording.');
  });
  const field = (k: keyof EmailTemplateDraft) => ({ value: draft[k], disabled: !canWrite, onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }) });

  return (
    <section aria-labelledby="templates-h" className="panel">
      <h2 id="templates-h">Messages</h2>
      <ErrorMessage error={all.error} />
      <div className="field">
        <label htmlFor="email-kind">Message</label>
        <select id="email-kind" value={kind} onChange={(e) => setKind(e.target.value as EmailKind)}>
          {all.data?.templates.map((t) => <option key={t.kind} value={t.kind}>{t.label}{t.custom ? ' (your wording)' : ''}</option>)}
        </select>
      </div>
      {current ? (
        <form onSubmit={save} className="stack">
          <p className="hint">Values you can use: {Object.entries(current.values).map(([v, what], i) => <span key={v}>{i ? ', ' : ''}<code>{`{{${v}}}`}</code> ({what})</span>)}.
            {' '}<code>{'{{#value}}…{{/value}}'}</code> shows its text only when the value is set.{current.required.length ? ` The message must contain ${current.required.map((r) => `{{${r}}}`).join(', ')}.` : ''}</p>
          <div className="field"><label htmlFor="email-subject">Subject</label><input id="email-subject" maxLength={200} required {...field('subject')} /></div>
          <div className="field"><label htmlFor="email-text">Plain text</label><textarea id="email-text" rows={9} required {...field('text')} /></div>
          <div className="field">
            <label htmlFor="email-html">HTML (optional)</label>
            <textarea id="email-html" rows={9} aria-describedby="email-html-hint" {...field('html')} />
            <span id="email-html-hint" className="hint">Empty: the message is plain text only. Values are escaped in HTML.</span>
          </div>
          <div className="toolbar">
            <button type="button" className="secondary" onClick={showPreview}>Preview</button>
            {canWrite ? <button type="submit">Save template</button> : null}
            {canWrite && current.custom ? <ConfirmButton label="Use the default" question="Replace your wording of this message with Muster’s default?" confirmLabel="Use the default" onConfirm={reset} /> : null}
          </div>
        </form>
      ) : null}
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
      {preview ? (
        <section aria-labelledby="preview-h" className="email-preview">
          <h3 id="preview-h">Preview</h3>
          <dl className="facts">
            <div><dt>From</dt><dd>{preview.from.name} {preview.from.address ? `<${preview.from.address}>` : ''}</dd></div>
            {preview.replyTo ? <div><dt>Reply-to</dt><dd>{preview.replyTo}</dd></div> : null}
            <div><dt>Subject</dt><dd>{preview.subject}</dd></div>
          </dl>
          <h4>Plain text</h4>
          <pre className="email-text">{preview.text}</pre>
          {preview.html ? (<><h4>HTML</h4><iframe title="HTML preview of the message" sandbox="" srcDoc={preview.html} className="email-html" /></>) : null}
        </section>
      ) : null}
    </section>
  );
}
