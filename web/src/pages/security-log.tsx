/**
 * "Sign-ins and account changes": the organisation's security log, newest first, a page at a
 * time (older pages are added below). For owners and admins; the server refuses viewers.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type SecurityEvent } from '../api';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { actorWords, detailWords, securityActionLabel } from '../security-words';
import { TableScroll } from '../components/table-scroll';

const PAGE = 50;

/** `changes` counts the account changes made on this screen: each one reloads the newest page. */
export function SecurityLog({ changes }: { readonly changes: number }) {
  const [older, setOlder] = useState<{ events: readonly SecurityEvent[]; next: number | null }>();
  const first = useAsync(async () => {
    const r = await api.security.events(undefined, PAGE);
    setOlder(undefined);
    return r;
  }, [changes]);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const events = [...(first.data?.events ?? []), ...(older?.events ?? [])];
  const next = older ? older.next : first.data?.next ?? null;

  const refresh = async () => {
    setOlder(undefined);
    setError(undefined);
    await first.reload(true);
  };
  const loadOlder = async () => {
    if (next === null) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.security.events(next, PAGE);
      setOlder({ events: [...(older?.events ?? []), ...r.events], next: r.next });
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="security-h" className="security-log">
      <h2 id="security-h">Sign-ins and account changes</h2>
      <p className="hint">Who signed in or failed to, from which address, and every change to admin accounts and keys, email settings, single sign-on and webhooks. Newest first.</p>
      <button type="button" className="secondary" onClick={() => void refresh()}>Refresh sign-ins and account changes</button>
      <ErrorMessage error={error ?? first.error} />
      {first.loading && !first.data ? <p role="status">Loading the security log…</p> : null}
      {first.data ? <p role="status" className="status">{events.length === 0 ? 'Nothing recorded yet.' : `${events.length} ${events.length === 1 ? 'event' : 'events'} shown${next !== null ? ', older ones available' : ''}.`}</p> : null}
      {events.length ? (
        <TableScroll label="Sign-ins and account changes">
          <table className="cards">
            <caption className="visually-hidden">Sign-ins and account changes</caption>
            <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Account</th><th scope="col">Detail</th><th scope="col">By</th><th scope="col">From</th></tr></thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} className={e.action === 'admin.sign_in_failed' || e.action === 'admin.locked' ? 'warn' : undefined}>
                  <td data-label="When"><DateTime value={e.time} /></td>
                  <td data-label="What">{securityActionLabel(e.action)}</td>
                  <td data-label="Account">{e.target ?? '—'}</td>
                  <td data-label="Detail">{detailWords(e) || '—'}</td>
                  <td data-label="By">{actorWords(e.actor)}</td>
                  <td data-label="From">{e.address ?? 'unknown address'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {next !== null ? <button type="button" className="secondary" disabled={busy} onClick={() => void loadOlder()}>{busy ? 'Loading…' : 'Load older events'}</button> : null}
    </section>
  );
}
