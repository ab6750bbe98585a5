/** The audit trail in the list's words: filters, events that open to their changes, CSV export, chain check, failed requests (not for viewers). */
import { useState } from 'react';
import { api, apiUrl, toApiError, type ApiError, type AuditEvent, type AuditFilter, type VerifyResult } from '../api';
import { AuditEventList } from '../components/audit-event-list';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { useLocation } from '../router';
import { useSession } from '../session';
import { AuditFilters } from './audit-filters';
import type { ListTabProps } from './list-page';
import { RequestLog } from './request-log';

type Filter = AuditFilter & { untilDay?: string };

export function AuditPage({ list }: ListTabProps) {
  const { query } = useLocation();
  const { admin } = useSession();
  const linked = Number(query.get('event'));
  const [filter, setFilter] = useState<Filter>(() => ({
    person: query.get('person') ?? undefined, ...(Number.isSafeInteger(linked) && linked > 0 ? { event: linked } : {}),
  }));
  const [more, setMore] = useState<{ events: AuditEvent[]; next: number | null }>();
  const [verify, setVerify] = useState<VerifyResult>();
  const [verifyError, setVerifyError] = useState<ApiError>();
  const [verifying, setVerifying] = useState(false);
  const { untilDay: _u, ...apiFilter } = filter;
  const page = useAsync(async () => {
    setMore(undefined);
    return api.audit.events(list.id, { ...apiFilter, limit: 50 });
  }, [list.id, JSON.stringify(apiFilter)]);

  const events = [...(page.data?.events ?? []), ...(more?.events ?? [])];
  const next = more ? more.next : page.data?.next ?? null;
  const loadMore = async () => {
    if (next === null) return;
    const r = await api.audit.events(list.id, { ...apiFilter, limit: 50, cursor: next });
    setMore({ events: [...(more?.events ?? []), ...r.events], next: r.next });
  };
  const runVerify = async () => {
    setVerifying(true);
    setVerifyError(undefined);
    try {
      setVerify(await api.audit.verify(list.id));
    } catch (err) {
      setVerifyError(toApiError(err));
    } finally {
      setVerifying(false);
    }
  };

  return (
    <section>
      <h1>{list.name}: audit trail</h1>
      <AuditFilters value={filter} onApply={setFilter} />
      <div className="toolbar">
        <a className="button secondary" href={apiUrl(`/lists/${list.id}/audit/export`, { format: 'csv', ...apiFilter })} download>Export CSV</a>
        <button type="button" className="secondary" onClick={runVerify} disabled={verifying}>Verify chain</button>
        <span role="status" aria-live="polite" className="status">
          {verifying ? 'Checking every event…' : verify ? (verify.ok
            ? `Chain verified: all ${verify.checked} events match their hashes.`
            : `Chain broken at event ${verify.firstBad?.seq ?? '?'}: ${verify.firstBad?.reason ?? 'unknown reason'}. ${verify.checked} events checked before it.`) : ''}
        </span>
      </div>
      <ErrorMessage error={verifyError ?? page.error} />
      <h2>Events</h2>
      {page.loading && !page.data ? <p role="status">Loading events…</p> : <p role="status" className="status">{events.length} {events.length === 1 ? 'event' : 'events'} shown{next !== null ? ', more available' : ''}.</p>}
      {filter.event !== undefined ? (
        <p>Showing event #{filter.event} only. <button type="button" className="link" onClick={() => setFilter({})}>Show all events</button></p>
      ) : null}
      <AuditEventList events={events} label="Audit events" openSeq={filter.event} />
      {next !== null ? <button type="button" className="secondary" onClick={() => void loadMore()}>Load more events</button> : null}
      {/* The request log holds request bodies: owners and admins only, as the API says (403 for viewers). */}
      {admin.role !== 'viewer' ? <RequestLog listId={list.id} /> : null}
    </section>
  );
}
