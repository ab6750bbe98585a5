/**
 * One photo campaign: its totals (sent, opened the link, uploaded, approved, failed with the SMTP
 * reply, without email), its progress while it runs, and its people a page at a time with what
 * each has done, and "Send again" per person.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type CampaignPeopleFilter, type CampaignPerson, type CampaignPersonState } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { usePoll } from '../../hooks/use-poll';
import { Link } from '../../router';
import { useSession } from '../../session';
import type { ListTabProps } from '../list-page';
import { campaignStatus } from './campaigns-page';
import { TableScroll } from '../../components/table-scroll';

const PAGE = 50;
const FILTERS: readonly { key: CampaignPeopleFilter; label: string }[] = [
  { key: 'all', label: 'Everyone' }, { key: 'waiting', label: 'No photo yet' }, { key: 'uploaded', label: 'Uploaded' }, { key: 'approved', label: 'Approved' },
  { key: 'failed', label: 'Failed' }, { key: 'no_email', label: 'Without email' }, { key: 'skipped', label: 'Left out' },
];
const STATES: Readonly<Record<CampaignPersonState, { label: string; tone: string }>> = {
  pending: { label: 'Waiting to be invited', tone: 'off' }, no_email: { label: 'No email address', tone: 'warn' }, skipped: { label: 'Left out', tone: 'off' },
  queued: { label: 'Queued', tone: 'off' }, sent: { label: 'Sent', tone: 'ok' }, failed: { label: 'Failed', tone: 'warn' }, opened: { label: 'Opened the link', tone: 'ok' },
  uploaded: { label: 'Uploaded', tone: 'ok' }, approved: { label: 'Approved', tone: 'ok' },
};

export function CampaignPage({ list, campaignId }: Pick<ListTabProps, 'list'> & { readonly campaignId: string }) {
  const { canWrite } = useSession();
  const [filter, setFilter] = useState<CampaignPeopleFilter>('all');
  const [offset, setOffset] = useState(0);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<ApiError>();
  const campaign = useAsync(() => api.campaigns.get(list.id, campaignId), [list.id, campaignId]);
  const people = useAsync(() => api.campaigns.people(list.id, campaignId, { filter, offset, limit: PAGE }), [list.id, campaignId, filter, offset]);
  const settings = useAsync(() => api.email.settings(), []);
  usePoll(async () => {
    await campaign.reload(true);
    await people.reload(true);
  }, campaign.data?.running ? 1500 : 5000);
  const c = campaign.data;
  const resend = async (p: CampaignPerson) => {
    setError(undefined);
    try {
      const r = await api.campaigns.resend(list.id, campaignId, p.personId);
      setMessage(`A new invitation to ${r.email ?? p.name} is queued.`);
      await people.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const t = c?.totals;
  const done = t ? t.people - t.pending : 0;
  return (
    <section>
      <p className="crumbs"><Link to={`/lists/${list.id}/photos`}>Photos</Link> / <Link to={`/lists/${list.id}/photos/campaigns`}>Invite by email</Link> / <span>{c?.name ?? 'Campaign'}</span></p>
      <h1>{c?.name ?? 'Campaign'}</h1>
      <ErrorMessage error={campaign.error ?? error} />
      {settings.data && !settings.data.configured ? (
        <p className="panel notice" role="note">This server does not send email any more (its operator has not set up SMTP). Open a person and use <strong>Send a self-upload link</strong> → <strong>Create link</strong> to copy their link and pass it on yourself.</p>
      ) : null}
      {c && t ? (
        <>
          <p className="meta">Started <DateTime value={c.createdAt} /> · links work {c.link.hours} hours, {c.link.attempts} tries · {c.reminderDays ? `reminder after ${c.reminderDays} days` : 'no reminders'} · {campaignStatus(c)}</p>
          {c.kind === 'campaign' && c.status !== 'finished' ? (
            <div className="progress">
              <progress aria-label="Invitations" max={Math.max(1, t.selected)} value={done} />
              <p role="status" aria-live="polite">{c.status === 'selecting' ? `Finding people without a photo: ${t.selected} so far.` : `Inviting: ${done} of ${t.selected}.`}</p>
            </div>
          ) : null}
          <dl className="counts" aria-label="Campaign totals">
            <div><dt>People</dt><dd>{t.people}</dd></div>
            <div><dt>Sent</dt><dd>{t.sent}</dd></div>
            <div><dt>Opened the link</dt><dd>{t.opened}</dd></div>
            <div><dt>Uploaded</dt><dd>{t.uploaded}</dd></div>
            <div><dt>Approved</dt><dd>{t.approved}</dd></div>
            <div><dt>Failed</dt><dd>{t.failed}</dd></div>
            <div><dt>Without email</dt><dd>{t.noEmail}</dd></div>
            <div><dt>Reminded</dt><dd>{t.reminded}</dd></div>
          </dl>
        </>
      ) : campaign.loading ? <p role="status">Loading campaign…</p> : null}
      <div role="group" aria-label="Show people" className="segmented">
        {FILTERS.map((f) => <button key={f.key} type="button" aria-pressed={filter === f.key} className={filter === f.key ? '' : 'secondary'} onClick={() => { setFilter(f.key); setOffset(0); setMessage(''); }}>{f.label}</button>)}
      </div>
      <StatusMessage>{message}</StatusMessage>
      {people.data ? (
        <>
          <p className="status">{people.data.total === 0 ? 'No one here.' : `Showing ${offset + 1}–${offset + people.data.people.length} of ${people.data.total}`}</p>
          {people.data.people.length ? (
            <TableScroll label="People in the campaign">
              <table className="cards">
                <caption className="visually-hidden">People in the campaign</caption>
                <thead><tr><th scope="col">Person</th><th scope="col">Email</th><th scope="col">State</th><th scope="col">Last email</th><th scope="col">Reminders</th>{canWrite ? <th scope="col">Actions</th> : null}</tr></thead>
                <tbody>
                  {people.data.people.map((p) => (
                    <tr key={p.personId}>
                      <td data-label="Person"><Link to={`/lists/${list.id}/people/${p.personId}`}>{p.name}</Link></td>
                      <td data-label="Email">{p.email ?? '—'}</td>
                      <td data-label="State">
                        <span className={`badge ${STATES[p.state].tone}`}>{STATES[p.state].label}</span>
                        {p.state === 'failed' && p.lastReply ? <span className="hint"> {p.lastReply}</span> : null}
                        {p.note && p.state === 'skipped' ? <span className="hint"> {p.note}</span> : null}
                      </td>
                      <td data-label="Last email"><DateTime value={p.lastSentAt} /></td>
                      <td data-label="Reminders">{p.reminders}</td>
                      {canWrite ? (
                        <td data-label="Actions">
                          {p.state !== 'approved' && p.state !== 'pending' ? <button type="button" className="secondary" aria-label={`Send again to ${p.name}`} onClick={() => void resend(p)}>Send again</button> : null}
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          ) : null}
          <div className="pager">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous page</button>
            <button type="button" className="secondary" disabled={offset + people.data.people.length >= people.data.total} onClick={() => setOffset(offset + PAGE)}>Next page</button>
          </div>
        </>
      ) : null}
    </section>
  );
}
