/**
 * Photo invitations by email (the Photos tab's "Invite by email"): start a campaign for everyone
 * without an approved photo, or a part of the list (a field's value such as a department, new
 * people since a date), with reminders; the list's campaigns with their counts; and the list's
 * automatic invitations of new people. Without SMTP it says so and points to the copy-the-link flow.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Campaign, type CampaignFilter } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { usePoll } from '../../hooks/use-poll';
import { Link, navigate } from '../../router';
import { useSession } from '../../session';
import type { ListTabProps } from '../list-page';
import { AutoInviteForm } from './auto-invite-form';
import { TableScroll } from '../../components/table-scroll';

export function CampaignsPage({ list }: Pick<ListTabProps, 'list'>) {
  const { canWrite } = useSession();
  const all = useAsync(() => api.campaigns.all(list.id), [list.id]);
  const fields = useAsync(() => api.roster.fields(list.id), [list.id]);
  usePoll(() => all.reload(true), 3000, all.data?.campaigns.some((c) => c.running) ?? false);
  const configured = all.data?.configured;
  return (
    <section>
      <p className="crumbs"><Link to={`/lists/${list.id}/photos`}>Photos</Link> / <span>Invite by email</span></p>
      <h1>{list.name}: photo invitations</h1>
      <ErrorMessage error={all.error ?? fields.error} />
      {configured === false ? (
        <div className="panel notice" role="note">
          <h2>This server does not send email</h2>
          <p>Its operator has not set up SMTP (<code>MUSTER_SMTP_URL</code>), so invitations cannot be emailed. Open a person on the <Link to={`/lists/${list.id}/people`}>People</Link> tab and use
            {' '}<strong>Send a self-upload link</strong> → <strong>Create link</strong>, then copy the link and pass it on yourself.</p>
        </div>
      ) : null}
      {configured && canWrite && fields.data ? <StartForm listId={list.id} fields={fields.data.fields.map((f) => ({ key: f.key, label: f.label }))} onStarted={(c) => navigate(`/lists/${list.id}/photos/campaigns/${c.id}`)} /> : null}
      {all.data && all.data.campaigns.length > 0 ? (
        <>
          <h2>Campaigns</h2>
          <TableScroll label={`Photo campaigns of ${list.name}`}>
            <table className="cards">
              <caption className="visually-hidden">Photo campaigns of {list.name}</caption>
              <thead><tr><th scope="col">Campaign</th><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Sent</th><th scope="col">Uploaded</th><th scope="col">Approved</th><th scope="col">Without email</th></tr></thead>
              <tbody>
                {all.data.campaigns.map((c) => (
                  <tr key={c.id}>
                    <td data-label="Campaign"><Link to={`/lists/${list.id}/photos/campaigns/${c.id}`}>{c.name}</Link></td>
                    <td data-label="Started"><DateTime value={c.createdAt} /></td>
                    <td data-label="Status">{campaignStatus(c)}</td>
                    <td data-label="Sent">{c.totals.sent}</td>
                    <td data-label="Uploaded">{c.totals.uploaded}</td>
                    <td data-label="Approved">{c.totals.approved}</td>
                    <td data-label="Without email">{c.totals.noEmail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      ) : all.data ? <p>No campaign yet.</p> : null}
      {configured && all.data ? <AutoInviteForm listId={list.id} settings={all.data.automatic} canWrite={canWrite} onSaved={() => all.reload(true)} /> : null}
    </section>
  );
}

export function campaignStatus(c: Campaign): string {
  if (c.kind === 'auto') return c.status === 'on' ? 'Inviting new people' : 'Off';
  if (c.status === 'selecting') return 'Finding people…';
  if (c.status === 'sending') return `Inviting: ${c.totals.people - c.totals.pending} of ${c.totals.selected}`;
  return c.running ? 'Sending reminders' : 'All invited';
}

function StartForm({ listId, fields, onStarted }: { readonly listId: string; readonly fields: readonly { key: string; label: string }[]; readonly onStarted: (c: Campaign) => void }) {
  const [field, setField] = useState('');
  const [value, setValue] = useState('');
  const [since, setSince] = useState('');
  const [reminder, setReminder] = useState('7');
  const [hours, setHours] = useState('168');
  const [attempts, setAttempts] = useState('5');
  const [count, setCount] = useState<number>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const filter = (): CampaignFilter | undefined => {
    const f = { ...(field && value.trim() ? { field, value: value.trim() } : {}), ...(since ? { since } : {}) };
    return Object.keys(f).length ? f : undefined;
  };
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = filter();
    void run(async () => onStarted(await api.campaigns.start(listId, {
      ...(f ? { filter: f } : {}), hours: Number(hours), attempts: Number(attempts), reminderDays: reminder ? Number(reminder) : null,
    })));
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-labelledby="start-campaign">
      <h2 id="start-campaign">Invite everyone without an approved photo</h2>
      <p className="hint">Each person gets their own self-upload link by email. People without an email address are listed on the campaign&apos;s page.</p>
      <fieldset>
        <legend>Who (optional: leave empty for the whole list)</legend>
        <div className="row">
          <label>Field
            <select value={field} onChange={(e) => { setField(e.target.value); setCount(undefined); }}>
              <option value="">Any</option>
              {fields.map((f) => <option key={f.key} value={f.key}>{f.label}</option>)}
            </select>
          </label>
          <label>Value<input value={value} disabled={!field} onChange={(e) => { setValue(e.target.value); setCount(undefined); }} placeholder="Nursing" /></label>
          <label>New since<input type="date" value={since} onChange={(e) => { setSince(e.target.value); setCount(undefined); }} /></label>
        </div>
      </fieldset>
      <div className="row">
        <label>Links work for (hours)<input type="number" min={1} max={720} required value={hours} onChange={(e) => setHours(e.target.value)} /></label>
        <label>Tries per link<input type="number" min={1} max={20} required value={attempts} onChange={(e) => setAttempts(e.target.value)} /></label>
        <label>Remind after (days, empty: never)<input type="number" min={1} max={60} value={reminder} onChange={(e) => setReminder(e.target.value)} /></label>
      </div>
      <div className="toolbar">
        <button type="button" className="secondary" disabled={busy} onClick={() => void run(async () => setCount((await api.campaigns.preview(listId, filter())).people))}>Count people</button>
        <button type="submit" disabled={busy}>Start the campaign</button>
      </div>
      <StatusMessage>{count === undefined ? '' : `${count} ${count === 1 ? 'person has' : 'people have'} no approved photo and would be invited.`}</StatusMessage>
      <ErrorMessage error={error} />
    </form>
  );
}
