/** One person: roster fields, sync problems, groups, photo, credentials, their own audit history and SCIM resource. */
import { useState } from 'react';
import { api, apiUrl, type MasterList, type PersonDetail, type RosterField } from '../api';
import { AuditEventList } from '../components/audit-event-list';
import { CodeBlock } from '../components/code-block';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { valueText } from '../components/value-text';
import { useAsync } from '../hooks/use-async';
import { usePoll } from '../hooks/use-poll';
import { actionLabel } from '../labels';
import { personName } from '../person-name';
import { Link } from '../router';
import { PersonCredentials } from './credentials/person-credentials';
import { PersonPhoto } from './photos/person-photo';
import { personEmail } from '../person-email';
import { NextStep } from './person-next-step';

export function PersonPage({ list, personId }: { readonly list: MasterList; readonly personId: string }) {
  const person = useAsync(() => api.roster.person(list.id, personId), [list.id, personId]);
  const fields = useAsync(() => api.roster.fields(list.id), [list.id]);
  const history = useAsync(() => api.audit.events(list.id, { personId, limit: 50 }), [list.id, personId]);
  // The IdP may deactivate the person while the admin looks: keep the status badge true.
  usePoll(() => Promise.all([person.reload(true), history.reload(true)]), 3000);
  const p = person.data;
  if (person.error) return <section><h1>Person</h1><ErrorMessage error={person.error} /></section>;
  if (!p) return <section><p role="status">Loading person…</p></section>;
  const name = personName(p);
  return (
    <section className="person">
      <p><Link to={`/lists/${list.id}/people`}>← All people</Link></p>
      <h1>{name}</h1>
      <p>
        <span className={p.active ? 'badge ok' : 'badge off'}>{p.active ? 'Active' : 'Deactivated'}</span>{' '}
        {p.problems.length ? <span className="badge warn">{p.problems.length} sync {p.problems.length === 1 ? 'problem' : 'problems'}</span> : <span className="badge ok">Synced</span>}
        {p.lastOperation ? <> · Last change: {actionLabel(p.lastOperation.action)}{p.lastOperation.idp ? ` from ${p.lastOperation.idp}` : ''}, <DateTime value={p.lastOperation.time} /></> : null}
      </p>
      <NextStep list={list} person={p} name={name} />
      <div className="columns">
        <section aria-labelledby="fields-h">
          <h2 id="fields-h">Fields</h2>
          <ErrorMessage error={fields.error} />
          {fields.data ? <FieldList list={list} person={p} fields={fields.data.fields} /> : fields.loading ? <p role="status">Loading fields…</p> : null}
        </section>
        <div>
          {p.problems.length ? (
            <section aria-labelledby="problems-h">
              <h2 id="problems-h">Sync problems</h2>
              <ul>{p.problems.map((x, i) => <li key={i}><strong>{x.field}</strong>: {x.problem} (sent: <code>{valueText(x.value)}</code>)</li>)}</ul>
            </section>
          ) : null}
          <section aria-labelledby="groups-h">
            <h2 id="groups-h">Groups</h2>
            {p.groups.length ? <ul>{p.groups.map((g) => <li key={g.id}>{g.displayName}</li>)}</ul> : <p>Not in any group.</p>}
          </section>
          <section aria-labelledby="dates-h">
            <h2 id="dates-h">Dates</h2>
            <dl className="facts">
              <div><dt>Created</dt><dd><DateTime value={p.created} /></dd></div>
              <div><dt>Last modified</dt><dd><DateTime value={p.lastModified} /></dd></div>
            </dl>
          </section>
        </div>
      </div>
      <div className="columns">
        <PersonPhoto list={list} personId={p.id} name={name} email={personEmail(p.scim)} />
        <PersonCredentials list={list} personId={p.id} active={p.active} email={personEmail(p.scim)} />
      </div>
      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <p className="hint">Everything about {name}: provisioning, photos, credentials, card prints and wallet passes, newest first.</p>
        <div className="toolbar">
          <Link to={`/lists/${list.id}/audit?person=${encodeURIComponent(p.id)}`}>Open in the audit trail</Link>
          <a className="button secondary" href={apiUrl(`/lists/${list.id}/audit/export`, { format: 'csv', personId: p.id })} download>Export history (CSV)</a>
          <Link className="button secondary" to={`/lists/${list.id}/people/${encodeURIComponent(p.id)}/history`}>Printable history</Link>
        </div>
        <ErrorMessage error={history.error} />
        {history.data ? <AuditEventList events={history.data.events} label={`History of ${name}`} /> : null}
        {history.data?.next != null ? <p>Showing the latest 50 events: the audit trail and the exports have them all.</p> : null}
      </section>
      <details>
        <summary>SCIM resource as received</summary>
        <CodeBlock className="json" label="SCIM resource as received">{JSON.stringify(p.scim, null, 2)}</CodeBlock>
      </details>
    </section>
  );
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** The fields with a value; the empty ones wait behind "Show all fields" (a list may have 27 fields, most empty). */
function FieldList({ list, person, fields }: { readonly list: MasterList; readonly person: PersonDetail; readonly fields: readonly RosterField[] }) {
  const [all, setAll] = useState(false);
  const empty = fields.filter((f) => isEmpty(person.fields[f.key])).length;
  const shown = all ? fields : fields.filter((f) => !isEmpty(person.fields[f.key]));
  return (
    <>
      <dl className="fields" id="person-fields">
        {shown.map((f) => (
          <div key={f.key}>
            <dt>{f.label}</dt>
            <dd><FieldValue list={list} person={person} field={f} /></dd>
          </div>
        ))}
      </dl>
      {empty > 0 ? (
        <button type="button" className="link" aria-expanded={all} aria-controls="person-fields" onClick={() => setAll(!all)}>
          {all ? 'Hide empty fields' : `Show all fields (${empty} empty)`}
        </button>
      ) : null}
    </>
  );
}

/** A reference (the manager) is a person: named and linked when on the list. */
function FieldValue({ list, person, field }: { readonly list: MasterList; readonly person: PersonDetail; readonly field: RosterField }) {
  const v = person.fields[field.key];
  if (isEmpty(v)) return <span className="hint">(empty)</span>;
  const ref = field.type === 'reference' ? person.references?.find((r) => r.field === field.key) : undefined;
  if (ref?.onList) return <Link to={`/lists/${list.id}/people/${encodeURIComponent(ref.id)}`}>{ref.name ?? ref.id}</Link>;
  if (ref) return <>A person not on this list <span className="hint">(id {ref.id})</span></>;
  return <>{valueText(v)}</>;
}
