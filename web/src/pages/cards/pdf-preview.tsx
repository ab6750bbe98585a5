/**
 * "Preview as PDF": the server renders the template being edited on a real person, exactly as it
 * prints. The app's Content-Security-Policy allows no blob: frames, so the PDF is offered as a
 * download link (a blob URL) rather than shown inline.
 */
import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError, type CardTemplate, type MasterList } from '../../api';
import { ErrorMessage } from '../../components/error-message';

export function PdfPreview({ list, personId, template }: { readonly list: MasterList; readonly personId: string | undefined; readonly template: CardTemplate }) {
  const [url, setUrl] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  useEffect(() => () => { if (url) URL.revokeObjectURL(url); }, [url]);
  // A preview of an older draft would mislead: drop it when the template changes.
  useEffect(() => setUrl(undefined), [template, personId]);

  const make = async () => {
    if (!personId) return;
    setBusy(true);
    setError(undefined);
    try {
      setUrl(URL.createObjectURL(await api.cards.preview(list.id, personId, template)));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="pdf-preview">
      <button type="button" className="secondary" disabled={!personId || busy} onClick={() => void make()}>{busy ? 'Rendering…' : 'Preview as PDF'}</button>
      <span role="status" aria-live="polite">{url ? <a href={url} download="card-preview.pdf" target="_blank" rel="noreferrer">Open the card preview (PDF)</a> : null}</span>
      {error?.problems.length ? <p className="error" role="alert">The preview needs a valid template: {error.problems.map((p) => `${p.path ?? ''} ${p.message}`).join('; ')}</p> : <ErrorMessage error={error} />}
    </div>
  );
}
