/**
 * Creates a self-upload link: how long it works, how many tries, an optional consent sentence.
 * When the installation sends email and the person has an address, "Send by email" mails it to
 * them (the link is then not shown); otherwise, or as well, the link is shown once (Muster keeps
 * only its hash) with a copy button and its expiry.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type EmailedLink, type MasterList, type PhotoLink } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { SecretValue } from '../../components/secret-value';
import { useAsync } from '../../hooks/use-async';
import { Link } from '../../router';

export function PhotoLinkForm({ list, personId, email, onCreated }: { readonly list: MasterList; readonly personId: string; readonly email?: string; readonly onCreated: () => void }) {
  const [hours, setHours] = useState('72');
  const [attempts, setAttempts] = useState('5');
  const [consent, setConsent] = useState('');
  const [link, setLink] = useState<PhotoLink>();
  const [emailed, setEmailed] = useState<EmailedLink>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const settings = useAsync(() => api.email.settings(), []);
  const canEmail = settings.data?.configured === true && email !== undefined;

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const byEmail = (e.nativeEvent as SubmitEvent).submitter?.getAttribute('value') === 'email';
    setBusy(true);
    setError(undefined);
    setLink(undefined);
    setEmailed(undefined);
    const b = { hours: Number(hours), attempts: Number(attempts), ...(consent.trim() ? { consentText: consent.trim() } : {}) };
    try {
      if (byEmail) setEmailed(await api.email.sendPhotoLink(list.id, personId, b));
      else setLink(await api.photos.link(list.id, personId, b));
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
        <p className="hint">The person opens the link on their phone and takes a selfie.{' '}
          {settings.data && !settings.data.configured ? 'This server does not send email (its operator has not set up SMTP): copy the link and pass it on yourself.'
            : settings.data && email === undefined ? 'This person has no email address on the list: copy the link and pass it on yourself.'
              : canEmail ? <>Send it by email to <strong>{email}</strong> (<Link to="/settings/email">wording</Link>), or create it to copy.</> : null}
        </p>
        <div className="row">
          <label>Link works for (hours)<input type="number" min={1} max={720} required value={hours} onChange={(e) => setHours(e.target.value)} /></label>
          <label>Tries allowed<input type="number" min={1} max={20} required value={attempts} onChange={(e) => setAttempts(e.target.value)} /></label>
        </div>
        <label>Consent text (optional)
          <textarea rows={2} value={consent} onChange={(e) => setConsent(e.target.value)} placeholder="I agree that my photo is used for my staff ID card." />
          <span className="hint">If given, the person must tick a box agreeing to it before sending.</span>
        </label>
        <div className="toolbar">
          {canEmail ? <button type="submit" name="delivery" value="email" disabled={busy}>Send by email</button> : null}
          <button type="submit" name="delivery" value="copy" disabled={busy} className={canEmail ? 'secondary' : undefined}>{canEmail ? 'Create link to copy' : 'Create link'}</button>
        </div>
        <ErrorMessage error={error} />
      </form>
      <div role="status" aria-live="polite">
        {link ? (
          <div className="fresh-link">
            <SecretValue label="Self-upload link" value={link.url} copyLabel="Copy link" />
            <p>Works until <DateTime value={link.expiresAt} />, {link.attemptsLeft} {link.attemptsLeft === 1 ? 'try' : 'tries'}. It is shown only now: copy it before leaving this page.</p>
          </div>
        ) : null}
        {emailed ? (
          <p>Email to {emailed.message.to} queued: the link works until <DateTime value={emailed.expiresAt} />, {emailed.attemptsLeft} {emailed.attemptsLeft === 1 ? 'try' : 'tries'}.
            {' '}Its delivery shows on the <Link to="/settings/email">Email</Link> page.</p>
        ) : null}
      </div>
    </details>
  );
}
