/**
 * The organisation's email: whether this server sends email at all, the sender name and reply-to,
 * the wording of each kind of message with a preview, and the latest messages with their states.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type EmailSettings } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { useSession } from '../../session';
import { TemplateEditor } from './template-editor';

const STATE_LABELS: Record<string, string> = { queued: 'Queued', sending: 'Sending', sent: 'Sent', failed: 'Failed' };

export function EmailPage() {
  const { canWrite } = useSession();
  const settings = useAsync(() => api.email.settings(), []);
  const s = settings.data;
  return (
    <section className="email-settings">
      <h1>Email</h1>
      <ErrorMessage error={settings.error} />
      {s ? (s.configured
        ? <p>Muster sends email from <strong>{s.fromAddress}</strong>. Set the name people see and where their replies go, and the wording of each message.</p>
        : <p role="note"><strong>This server does not send email:</strong> its operator has not set up SMTP (<code>MUSTER_SMTP_URL</code>). Until then, copy self-upload links from a person’s page and pass them on yourself. You can still prepare the wording below.</p>) : null}
      {!canWrite ? <p>Read-only: viewers cannot change email settings.</p> : null}
      {s ? <SenderSection settings={s} onSaved={settings.set} canWrite={canWrite} /> : null}
      {s ? <CardReadySection settings={s} onSaved={settings.set} canWrite={canWrite} /> : null}
      <TemplateEditor canWrite={canWrite} />
      {s?.configured ? <RecentMessages /> : null}
    </section>
  );
}

function SenderSection({ settings, onSaved, canWrite }: { readonly settings: EmailSettings; readonly onSaved: (s: EmailSettings) => void; readonly canWrite: boolean }) {
  const [senderName, setSenderName] = useState(settings.senderName ?? '');
  const [replyTo, setReplyTo] = useState(settings.replyTo ?? '');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    setSenderName(settings.senderName ?? '');
    setReplyTo(settings.replyTo ?? '');
  }, [settings.senderName, settings.replyTo]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setStatus('');
    try {
      onSaved(await api.email.saveSettings({ senderName: senderName.trim() || null, replyTo: replyTo.trim() || null }));
      setStatus('Sender saved.');
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <section aria-labelledby="sender-h" className="panel">
      <h2 id="sender-h">Sender</h2>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="email-sender">Sender name</label>
          <input id="email-sender" maxLength={100} value={senderName} disabled={!canWrite} placeholder={settings.defaultSenderName ?? ''} aria-describedby="email-sender-hint" onChange={(e) => setSenderName(e.target.value)} />
          <span id="email-sender-hint" className="hint">What people see as the sender. Empty: {settings.defaultSenderName ?? 'your organisation’s name'}.</span>
        </div>
        <div className="field">
          <label htmlFor="email-reply-to">Reply-to address</label>
          <input id="email-reply-to" type="email" maxLength={254} value={replyTo} disabled={!canWrite} aria-describedby="email-reply-hint" onChange={(e) => setReplyTo(e.target.value)} />
          <span id="email-reply-hint" className="hint">Where replies go, such as your ID office’s mailbox. Empty: replies go to {settings.fromAddress ?? 'the sending address'}.</span>
        </div>
        {canWrite ? <div><button type="submit">Save sender</button></div> : null}
      </form>
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
    </section>
  );
}

/** "Your card is ready": emailed to the people of each finished print batch, when the organisation turns it on. */
function CardReadySection({ settings, onSaved, canWrite }: { readonly settings: EmailSettings; readonly onSaved: (s: EmailSettings) => void; readonly canWrite: boolean }) {
  const [on, setOn] = useState(settings.cardReadyEmail);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  useEffect(() => setOn(settings.cardReadyEmail), [settings.cardReadyEmail]);
  const change = async (next: boolean) => {
    setOn(next); // follows the click at once; put back if refused
    setError(undefined);
    setStatus('');
    try {
      onSaved(await api.email.saveSettings({ cardReadyEmail: next }));
      setStatus(next ? '"Your card is ready" emails are on.' : '"Your card is ready" emails are off.');
    } catch (err) {
      setOn(!next);
      setError(toApiError(err));
    }
  };
  return (
    <section aria-labelledby="card-ready-h" className="panel">
      <h2 id="card-ready-h">Card ready</h2>
      <label className="inline">
        <input type="checkbox" checked={on} disabled={!canWrite} onChange={(e) => void change(e.target.checked)} aria-describedby="card-ready-hint" />
        {' '}Email “your card is ready” when a print batch is done
      </label>
      <p id="card-ready-hint" className="hint">Each person printed in the batch who has an email address gets the “Your card is ready” message below.{settings.configured ? '' : ' (Nothing is sent until this server sends email.)'}</p>
      <StatusMessage>{status}</StatusMessage>
      <ErrorMessage error={error} />
    </section>
  );
}

function RecentMessages() {
  const messages = useAsync(() => api.email.messages({ limit: 50 }), []);
  return (
    <section aria-labelledby="messages-h" className="panel">
      <h2 id="messages-h">Latest messages</h2>
      <div className="toolbar"><button type="button" className="secondary" onClick={() => void messages.reload()}>Refresh</button></div>
      <ErrorMessage error={messages.error} />
      {messages.data && messages.data.messages.length === 0 ? <p>No email sent yet.</p> : null}
      {messages.data?.messages.length ? (
        <table>
          <caption className="visually-hidden">The latest 50 messages, newest first</caption>
          <thead><tr><th scope="col">Queued</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">State</th><th scope="col">Server’s reply</th></tr></thead>
          <tbody>
            {messages.data.messages.map((m) => (
              <tr key={m.id}>
                <td><DateTime value={m.createdAt} /></td>
                <td>{m.to}</td>
                <td>{m.subject}</td>
                <td>{STATE_LABELS[m.state] ?? m.state}{m.attempts > 1 ? ` (${m.attempts} attempts)` : ''}{m.nextAttemptAt && m.attempts > 0 ? <> – next try <DateTime value={m.nextAttemptAt} /></> : null}</td>
                <td><code>{m.lastReply ?? ''}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
