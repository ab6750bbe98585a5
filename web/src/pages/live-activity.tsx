/** The latest operations on the list with the fields each changed and a link to its event, polled every 2 s while the page is visible. */
import { api } from '../api';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { usePoll } from '../hooks/use-poll';
import { Link } from '../router';

/** "Changed: Department, Job title and 4 more". */
function fieldsLine(labels: readonly string[]): string {
  const shown = labels.slice(0, 4);
  return `Changed: ${shown.join(', ')}${labels.length > shown.length ? ` and ${labels.length - shown.length} more` : ''}`;
}

export function LiveActivity({ listId }: { readonly listId: string }) {
  const events = useAsync(() => api.audit.events(listId, { limit: 20 }), [listId]);
  usePoll(() => events.reload(true), 2000);
  const list = events.data?.events ?? [];
  return (
    <section aria-labelledby="activity-h" className="panel">
      <h2 id="activity-h">Live provisioning activity</h2>
      <p className="hint">The latest operations, updated every 2 seconds.</p>
      <ErrorMessage error={events.error} />
      {/* role=log: screen readers announce rows as they arrive, not the whole list again. The log
          wraps the list, so that the list keeps its own role and its items stay list items. */}
      <div role="log" aria-live="polite" aria-label="Latest operations">
        <ol className="activity">
          {list.map((e) => (
            <li key={e.seq}>
              <span className={`action a-${e.action.split('.')[0]}`}>{e.words.title}</span>{' '}
              <span className="target">{e.target?.name ?? e.target?.id ?? ''}</span>{' '}
              <span className="who">{e.idp ? `from ${e.idp.name}` : `by ${e.actor}`}</span>{' '}
              <DateTime value={e.time} />{' '}
              <Link to={`/lists/${listId}/audit?event=${e.seq}`}>Open event<span className="visually-hidden"> {e.seq}: {e.words.title} {e.target?.name ?? ''}</span></Link>
              {e.words.changes.length ? <span className="fields-changed">{fieldsLine(e.words.changes.map((c) => c.label))}</span> : null}
            </li>
          ))}
        </ol>
      </div>
      {events.data && list.length === 0 ? <p>Nothing yet. Operations appear here within seconds of your IdP sending them.</p> : null}
    </section>
  );
}
