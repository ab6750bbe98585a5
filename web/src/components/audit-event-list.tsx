/**
 * Audit events as a list, in the list's words: what happened, to whom, the changed fields as
 * "Department: Emergency → Intensive Care"; each opens to every change, the detail as facts and
 * who sent it (the IdP, its request).
 */
import { useState } from 'react';
import type { AuditEvent } from '../api';
import { ChangeTable, changeSentence } from './change-table';
import { DateTime } from './date-time';

/** Changes shown on an event's line before "Details". */
const INLINE = 3;

export function AuditEventList({ events, label, openSeq }: { readonly events: readonly AuditEvent[]; readonly label: string; readonly openSeq?: number }) {
  if (events.length === 0) return <p>No events.</p>;
  return (
    <ol className="events" aria-label={label}>
      {events.map((e) => <AuditEventItem key={e.seq} event={e} initiallyOpen={e.seq === openSeq} />)}
    </ol>
  );
}

function AuditEventItem({ event: e, initiallyOpen }: { readonly event: AuditEvent; readonly initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const detailId = `event-${e.seq}-detail`;
  const target = e.target ? `${e.target.name ?? e.target.id ?? ''}` : '';
  const title = e.words.title;
  const shown = e.words.changes.slice(0, INLINE);
  const more = e.words.changes.length - shown.length;
  return (
    <li className="event" id={`event-${e.seq}`}>
      <div className="event-line">
        <span className={`action a-${e.action.split('.')[0]}`}>{title}</span>
        <span className="target">{target}</span>
        <span className="who">{e.idp ? `from ${e.idp.name}` : `by ${e.actor}`}</span>
        <DateTime value={e.time} />
        <button type="button" className="link" aria-expanded={open} aria-controls={detailId} onClick={() => setOpen(!open)}>
          {open ? 'Hide details' : 'Details'}<span className="visually-hidden"> of {title} {target} (event {e.seq})</span>
        </button>
      </div>
      {shown.length ? (
        <ul className="event-changes">
          {shown.map((c, i) => <li key={i}>{changeSentence(c)}</li>)}
          {more > 0 ? <li className="hint">and {more} more {more === 1 ? 'change' : 'changes'}</li> : null}
        </ul>
      ) : null}
      {open ? (
        <div id={detailId} className="event-detail">
          {e.words.changes.length ? <ChangeTable changes={e.words.changes} caption={`Changes in event ${e.seq}`} /> : null}
          <dl className="facts">
            {e.words.facts.map((f, i) => <div key={i}><dt>{f.label}</dt><dd>{f.text}</dd></div>)}
            <div><dt>Actor</dt><dd>{e.actor}</dd></div>
            {e.idp ? <div><dt>IdP</dt><dd>{e.idp.name}{e.idp.evidence ? ` (identified by ${e.idp.evidence})` : ''}</dd></div> : null}
            {e.token ? <div><dt>Token</dt><dd>{e.token.label ?? e.token.id}</dd></div> : null}
            {e.requestId ? <div><dt>Request id</dt><dd><code>{e.requestId}</code></dd></div> : null}
            {e.normalisations?.length ? <div><dt>IdP quirks handled</dt><dd>{e.normalisations.join(', ')}</dd></div> : null}
            <div><dt>Event</dt><dd>#{e.seq}, hash <code>{e.hash.slice(0, 16)}…</code></dd></div>
          </dl>
        </div>
      ) : null}
    </li>
  );
}
