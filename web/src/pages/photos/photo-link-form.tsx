/**
 * Creates a self-upload link: how long it works, how many tries, an optional consent sentence.
 * The link is shown once (Muster keeps only its hash) with a copy button and its expiry.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type MasterList, type PhotoLink } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { SecretValue } from '../../components/secret-value';

export function PhotoLinkForm({ list, personId, onCreated }: { readonly list: MasterList; readonly personId: string; readonly onCreated: () => void }) {
  const [hours, setHours] = useState('72');
  const [attempts, setAttempts] = useState('5');
  const [consent, setConsent] = useState('');
  const [link, setLink] = useState<PhotoLink>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setLink(await api.photos.link(list.id, personId, { hours: Number(hours), attempts: Number(attempts), ...(consent.trim() ? { consentText: consent.trim() } : {}) }));
      onCreated();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel link-form" id="photo-link">
      <summary>Send a self-upload link</summary>
      <form onSubmit={submit} className="stack">
        <p className="hint">The person opens the link on their phone and takes a selfie. Muster does not send email: pass the link on yourself.</p>
        <div className="row">
          <label>Link works for (hours)<input type="number" min={1} max={720} required value={hours} onChange={(e) => setHours(e.target.value)} /></label>
          <label>Tries allowed<input type="number" min={1} max={20} required value={attempts} onChange={(e) => setAttempts(e.target.value)} /></label>
        </div>
        <label>Consent text (optional)
          <textarea rows={2} value={consent} onChange={(e) => setConsent(e.target.value)} placeholder="I agree that my photo is used for my staff ID card." />
          <span className="hint">If given, the person must tick a box agreeing to it before sending.</span>
        </label>
        <div><button type="submit" disabled={busy}>Create link</button></div>
        <ErrorMessage error={error} />
      </form>
      <div role="status" aria-live="polite">
        {link ? (
          <div className="fresh-link">
            <SecretValue label="Self-upload link" value={link.url} copyLabel="Copy link" />
            <p>Works until <DateTime value={link.expiresAt} />, {link.attemptsLeft} {link.attemptsLeft === 1 ? 'try' : 'tries'}. It is shown only now: copy it before leaving this page.</p>
          </div>
        ) : null}
      </div>
    </details>
  );
}
