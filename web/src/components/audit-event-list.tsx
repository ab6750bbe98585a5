/** Audit events as a list; each opens to its field-by-field before/after and who sent it. */
import { useState } from 'react';
import type { AuditEvent } from '../api';
import { actionLabel } from '../labels';
import { ChangeTable } from './change-table';
import { DateTime } from './date-time';
import { valueText } from './value-text';

export function AuditEventList({ events, label }: { readonly events: readonly AuditEvent[]; readonly label: string }) {
  if (events.length === 0) return <p>No events.</p>;
  return (
    <ol className="events" aria-label={label}>
      {events.map((e) => <AuditEventItem key={e.seq} event={e} />)}
    </ol>
  );
}

function AuditEventItem({ event: e }: { readonly event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const detailId = `event-${e.seq}`;
  const target = e.target ? `${e.target.name ?? e.target.id ?? ''}` : '';
  return (
    <li className="event">
      <div className="event-line">
        <span className={`action a-${e.action.split('.')[0]}`}>{actionLabel(e.action)}</span>
        <span className="target">{target}</span>
        <span className="who">{e.idp?.name ?? e.actor}</span>
        <DateTime value={e.time} />
        <button type="button" className="link" aria-expanded={open} aria-controls={detailId} onClick={() => setOpen(!open)}>
          {open ? 'Hide details' : 'Details'}<span className="visually-hidden"> of {actionLabel(e.action)} {target} (event {e.seq})</span>
        </button>
      </div>
      {open ? (
        <div id={detailId} className="event-detail">
          <ChangeTable changes={e.changes ?? []} caption={`Changes in event ${e.seq}`} />
          <dl className="facts">
            <div><dt>Actor</dt><dd>{e.actor}</dd></div>
            {e.idp ? <div><dt>IdP</dt><dd>{e.idp.name}{e.idp.evidence ? ` (identified by ${e.idp.evidence})` : ''}</dd></div> : null}
            {e.token ? <div><dt>Token</dt><dd>{e.token.label ?? e.token.id}</dd></div> : null}
            {e.requestId ? <div><dt>Request id</dt><dd><code>{e.requestId}</code></dd></div> : null}
            {e.normalisations?.length ? <div><dt>IdP quirks handled</dt><dd>{e.normalisations.join(', ')}</dd></div> : null}
            {e.detail !== null && e.detail !== undefined ? <div><dt>Detail</dt><dd><code>{valueText(e.detail)}</code></dd></div> : null}
            <div><dt>Event</dt><dd>#{e.seq}, hash <code>{e.hash.slice(0, 16)}…</code></dd></div>
          </dl>
        </div>
      ) : null}
    </li>
  );
}
