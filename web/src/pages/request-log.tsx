/** The request log's failed operations: what the IdP sent and what Muster answered. */
import { useState } from 'react';
import { api, type RequestLogEntry } from '../api';
import { CodeBlock } from '../components/code-block';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';

export function RequestLog({ listId }: { readonly listId: string }) {
  const log = useAsync(() => api.audit.failedRequests(listId), [listId]);
  return (
    <section aria-labelledby="reqlog-h">
      <h2 id="reqlog-h">Failed requests</h2>
      <p className="hint">From the request log (kept a few days), with secrets removed.</p>
      <button type="button" className="secondary" onClick={() => void log.reload()}>Refresh failed requests</button>
      <ErrorMessage error={log.error} />
      {log.data && log.data.requests.length === 0 ? <p>No failed requests.</p> : null}
      {log.data && log.data.requests.length > 0 ? (
        <ol className="events" aria-label="Failed requests">
          {log.data.requests.map((r) => <RequestItem key={r.id} r={r} />)}
        </ol>
      ) : null}
    </section>
  );
}

function RequestItem({ r }: { readonly r: RequestLogEntry }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="event">
      <div className="event-line">
        <span className="action a-provisioning">{r.status}</span>
        <span className="target"><code>{r.method} {r.path}</code></span>
        <span className="who">{r.idp ?? r.tokenLabel ?? r.userAgent ?? 'unknown client'}</span>
        <DateTime value={r.time} />
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide details' : 'Details'}<span className="visually-hidden"> of {r.method} {r.path}</span>
        </button>
      </div>
      {open ? (
        <div className="event-detail">
          <p>Request id <code>{r.requestId}</code>, {r.durationMs} ms</p>
          <h3>Request body</h3><CodeBlock className="json" label={`Request body of ${r.method} ${r.path}`}>{r.requestBody ?? '(none)'}</CodeBlock>
          <h3>Response body</h3><CodeBlock className="json" label={`Response body to ${r.method} ${r.path}`}>{r.responseBody ?? '(none)'}</CodeBlock>
        </div>
      ) : null}
    </li>
  );
}
