/**
 * The end of an IdP guide: "Waiting for the first request from Okta…" until requests arrive, then
 * what they did ("Received: 3 people created, 1 updated"), and each failure in words with what to
 * change in the IdP. Counts start when the guide opens; polled every 2 s while the page is visible.
 */
import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError, type LiveCheck as Check } from '../api';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { usePoll } from '../hooks/use-poll';

/** "Received: 3 people created, 1 updated": the first part carries the noun. */
export function receivedLine(c: Check): string {
  const parts: [number, string][] = [[c.created, 'created'], [c.updated, 'updated'], [c.deactivated, 'deactivated'], [c.reactivated, 'reactivated'], [c.deleted, 'removed']];
  const shown = parts.filter(([n]) => n > 0);
  const words = shown.map(([n, w], i) => (i === 0 ? `${n} ${n === 1 ? 'person' : 'people'} ${w}` : `${n} ${w}`));
  if (c.groups > 0) words.push(`${c.groups} group ${c.groups === 1 ? 'change' : 'changes'}`);
  if (words.length) return `Received: ${words.join(', ')}`;
  return `Received: ${c.requests} ${c.requests === 1 ? 'request' : 'requests'}, no people changed yet`;
}

export function LiveCheck({ listId, idp, title }: { readonly listId: string; readonly idp: string; readonly title: string }) {
  const [check, setCheck] = useState<Check>();
  const [error, setError] = useState<ApiError>();
  const poll = async () => {
    try {
      setCheck(await api.lists.setupCheck(listId, idp, check?.since));
      setError(undefined);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  // The first call marks where the check starts; the polls count from there.
  useEffect(() => { void poll(); }, [listId, idp]);
  usePoll(poll, 2000, check !== undefined);

  const waiting = !check || (check.requests === 0 && check.created + check.updated + check.deactivated + check.reactivated + check.deleted + check.groups === 0);
  const ok = check && !waiting && check.failed === 0;
  return (
    <section aria-labelledby="check-h" className={`live-check ${ok ? 'ok' : check && check.failed ? 'failing' : ''}`}>
      <h4 id="check-h">Live check</h4>
      <p role="status" aria-live="polite" className="check-line">
        {waiting ? `Waiting for the first request from ${title}…` : receivedLine(check)}
        {check && check.failed > 0 ? ` · ${check.failed} ${check.failed === 1 ? 'request' : 'requests'} failed` : ''}
      </p>
      <ErrorMessage error={error} />
      {check && check.failures.length ? (
        <ul className="check-failures" aria-label="Failed requests">
          {check.failures.map((f, i) => (
            <li key={`${f.time}-${i}`}>
              <p><strong>{f.what}</strong> <DateTime value={f.time} /></p>
              <p>What to change: {f.fix}</p>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
