/**
 * The organisation's webhooks (docs/webhooks.md): the systems Muster tells about changes (door
 * access, card printing, the library), what each receives, its signing secret (shown once), a
 * test, and every delivery with its attempts, in words for the ID office.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError } from '../../api';
import type { WebhookDelivery, WebhookEndpoint } from '../../api/webhook-endpoints';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { SecretValue } from '../../components/secret-value';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { useSession } from '../../session';

type EventTypes = { type: string; meaning: string }[];

export function WebhooksPage() {
  const { canWrite } = useSession();
  const endpoints = useAsync(() => api.webhooks.list(), []);
  const types = useAsync(() => api.webhooks.eventTypes(), []);
  const [secret, setSecret] = useState<{ url: string; value: string }>();
  const [selected, setSelected] = useState<string>();
  const [editing, setEditing] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const [status, setStatus] = useState('');
  const list = endpoints.data?.endpoints ?? [];
  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(undefined);
    setStatus('');
    try {
      await what();
      setStatus(done);
      await endpoints.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <section className="webhooks">
      <h1>Webhooks</h1>
      <p>Tell your other systems (door access, card printing, the library) about changes in Muster as they happen: a new starter, a leaver, an approved photo, a printed card. Each system gets a signed message at the address you give.</p>
      {!canWrite ? <p>Read-only: viewers cannot change webhooks.</p> : null}
      <ErrorMessage error={endpoints.error ?? error} />
      <StatusMessage>{status}</StatusMessage>
      {list.filter((e) => e.pausedAt).map((e) => (
        <div key={e.id} role="alert" className="warning paused-notice">
          <p><strong>Messages to {e.description || e.url} are paused.</strong> {e.pausedReason} Nothing is lost: Muster keeps every change and sends them, in order, when you resume.</p>
          {canWrite ? <button type="button" onClick={() => void act(() => api.webhooks.resume(e.id), `Messages to ${e.url} resumed.`)}>Resume messages to {e.description || e.url}</button> : null}
        </div>
      ))}
      {secret ? (
        <div className="panel new-secret" role="region" aria-label="New signing secret">
          <p><strong>Signing secret for {secret.url}.</strong> Copy it into the receiving system now: it is not shown again. The system uses it to check that messages come from Muster.</p>
          <SecretValue label="Signing secret" value={secret.value} copyLabel="Copy secret" />
          <button type="button" className="secondary" onClick={() => setSecret(undefined)}>I have copied it</button>
        </div>
      ) : null}
      {endpoints.data && list.length === 0 ? <p>No systems receive messages yet.</p> : null}
      {list.length ? (
        <table>
          <caption className="visually-hidden">Systems that receive messages</caption>
          <thead><tr><th scope="col">Receiving system</th><th scope="col">Sent</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id}>
                <td><strong>{e.description || 'Unnamed'}</strong><br /><code>{e.url}</code></td>
                <td>{e.eventTypes === null ? 'Every change' : `${e.eventTypes.length} kind${e.eventTypes.length === 1 ? '' : 's'} of change`}</td>
                <td>{stateOf(e)}{e.pending ? ` · ${e.pending} waiting` : ''}{e.failed ? ` · ${e.failed} failed` : ''}</td>
                <td className="actions">
                  <button type="button" className="secondary" aria-expanded={selected === e.id} onClick={() => setSelected(selected === e.id ? undefined : e.id)}>Messages sent to {e.description || e.url}</button>
                  {canWrite ? <>
                    <button type="button" className="secondary" onClick={() => void act(() => api.webhooks.test(e.id), `A test message is on its way to ${e.url}.`).then(() => setSelected(e.id))}>Send a test to {e.description || e.url}</button>
                    <button type="button" className="secondary" onClick={() => setEditing(editing === e.id ? undefined : e.id)}>Edit {e.description || e.url}</button>
                    <button type="button" className="secondary" onClick={() => void act(async () => {
                      const r = await api.webhooks.rotateSecret(e.id);
                      setSecret({ url: e.url, value: r.secret });
                    }, 'New secret made: the old one keeps working for 24 hours.')}>New secret for {e.description || e.url}</button>
                    <ConfirmButton label="Remove" ariaLabel={`Remove ${e.description || e.url}`} question={`Stop sending messages to ${e.url} and forget its history?`} confirmLabel="Remove" className="secondary"
                      onConfirm={() => act(() => api.webhooks.remove(e.id), `${e.url} removed.`)} />
                  </> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing && canWrite && types.data ? (
        <EndpointForm key={editing} types={types.data.eventTypes} endpoint={list.find((e) => e.id === editing)} onDone={async (draft) => {
          await api.webhooks.update(editing, draft);
          setEditing(undefined);
          await endpoints.reload(true);
          setStatus('Changes saved.');
        }} />
      ) : null}
      {selected ? <Deliveries key={selected} endpoint={list.find((e) => e.id === selected)} canWrite={canWrite} /> : null}
      {canWrite && types.data ? (
        <EndpointForm types={types.data.eventTypes} onDone={async (draft) => {
          const r = await api.webhooks.create(draft);
          setSecret({ url: r.endpoint.url, value: r.secret });
          await endpoints.reload(true);
          setStatus(`${r.endpoint.url} added.`);
        }} />
      ) : null}
    </section>
  );
}

const stateOf = (e: WebhookEndpoint) => (e.pausedAt ? 'Paused after failing' : e.enabled ? 'On' : 'Off');

function EndpointForm({ types, endpoint, onDone }: { readonly types: EventTypes; readonly endpoint?: WebhookEndpoint; readonly onDone: (d: { url: string; description: string; eventTypes: string[] | null; enabled: boolean }) => Promise<void> }) {
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [all, setAll] = useState(endpoint ? endpoint.eventTypes === null : true);
  const [chosen, setChosen] = useState<Set<string>>(new Set(endpoint?.eventTypes ?? []));
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const [error, setError] = useState<ApiError>();
  const prefix = endpoint ? `edit-${endpoint.id}` : 'new-webhook';
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(undefined);
    try {
      await onDone({ url: url.trim(), description: description.trim(), eventTypes: all ? null : [...chosen], enabled });
      if (!endpoint) {
        setUrl('');
        setDescription('');
      }
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <section aria-labelledby={`${prefix}-h`} className="panel">
      <h2 id={`${prefix}-h`}>{endpoint ? `Edit ${endpoint.description || endpoint.url}` : 'Add a receiving system'}</h2>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor={`${prefix}-url`}>Address (URL)</label>
          <input id={`${prefix}-url`} type="url" required maxLength={2000} value={url} placeholder="https://doors.example.com/muster" aria-describedby={`${prefix}-url-hint`} onChange={(e) => setUrl(e.target.value)} />
          <span id={`${prefix}-url-hint`} className="hint">Where the system receives messages; ask its supplier. Use https:// so that nobody can read them on the way.</span>
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-desc`}>Name</label>
          <input id={`${prefix}-desc`} maxLength={200} value={description} placeholder="Door access" onChange={(e) => setDescription(e.target.value)} />
        </div>
        <fieldset>
          <legend>What to send</legend>
          <label><input type="radio" name={`${prefix}-scope`} checked={all} onChange={() => setAll(true)} /> Every change (including kinds added later)</label>
          <label><input type="radio" name={`${prefix}-scope`} checked={!all} onChange={() => setAll(false)} /> Only these changes:</label>
          {!all ? (
            <ul className="event-types">
              {types.map((t) => (
                <li key={t.type}>
                  <label>
                    <input type="checkbox" checked={chosen.has(t.type)} onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.target.checked) next.add(t.type);
                      else next.delete(t.type);
                      setChosen(next);
                    }} /> {t.meaning} <code>{t.type}</code>
                  </label>
                </li>
              ))}
            </ul>
          ) : null}
        </fieldset>
        {endpoint ? <label><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Send messages to this system</label> : null}
        <div><button type="submit">{endpoint ? 'Save changes' : 'Add system'}</button></div>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}

const OUTCOME: Record<WebhookDelivery['state'], string> = { pending: 'Waiting to be sent', delivered: 'Received', failed: 'Failed' };

function outcomeOf(d: WebhookDelivery): string {
  if (d.state === 'pending' && d.attempts > 0) return 'Not received yet: trying again';
  return OUTCOME[d.state];
}

function Deliveries({ endpoint, canWrite }: { readonly endpoint: WebhookEndpoint | undefined; readonly canWrite: boolean }) {
  const deliveries = useAsync(() => (endpoint ? api.webhooks.deliveries(endpoint.id) : Promise.resolve({ deliveries: [] })), [endpoint?.id]);
  const [error, setError] = useState<ApiError>();
  const [status, setStatus] = useState('');
  if (!endpoint) return null;
  const name = endpoint.description || endpoint.url;
  return (
    <section aria-labelledby="deliveries-h" className="panel">
      <h2 id="deliveries-h">Messages sent to {name}</h2>
      <div className="toolbar"><button type="button" className="secondary" onClick={() => void deliveries.reload()}>Refresh</button></div>
      <ErrorMessage error={deliveries.error ?? error} />
      <StatusMessage>{status}</StatusMessage>
      {deliveries.data && deliveries.data.deliveries.length === 0 ? <p>No messages yet.</p> : null}
      {deliveries.data?.deliveries.length ? (
        <table>
          <caption className="visually-hidden">The latest 50 messages, newest first</caption>
          <thead><tr><th scope="col">Change</th><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {deliveries.data.deliveries.map((d) => (
              <tr key={d.id}>
                <td>{d.eventType === 'webhook.test' ? 'Test message' : <code>{d.eventType}</code>}</td>
                <td><DateTime value={d.createdAt} /></td>
                <td>{outcomeOf(d)}{d.lastError ? <><br /><span className="hint">{d.lastError}</span></> : null}{d.nextAttemptAt && d.attempts > 0 ? <><br />Next try <DateTime value={d.nextAttemptAt} /></> : null}</td>
                <td>
                  {d.attemptLog.length ? (
                    <details>
                      <summary>{d.attemptLog.length} attempt{d.attemptLog.length === 1 ? '' : 's'}</summary>
                      <ol>
                        {d.attemptLog.map((a) => (
                          <li key={a.attempt}>
                            <DateTime value={a.startedAt} />: {a.status !== null ? `answered ${a.status}` : 'no answer'} in {a.durationMs} ms{a.error ? ` (${a.error})` : ''}
                            {a.responseExcerpt ? <pre className="response-excerpt">{a.responseExcerpt}</pre> : null}
                          </li>
                        ))}
                      </ol>
                    </details>
                  ) : 'None yet'}
                </td>
                <td>
                  {canWrite && d.state !== 'pending' ? (
                    <button type="button" className="secondary" onClick={async () => {
                      setError(undefined);
                      try {
                        await api.webhooks.replay(endpoint.id, d.id);
                        setStatus('Sending it again.');
                        await deliveries.reload(true);
                      } catch (err) {
                        setError(toApiError(err));
                      }
                    }}>Send again</button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
