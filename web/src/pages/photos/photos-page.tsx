/**
 * The Photos tab: the review queue (oldest first) with each image and its check metrics, approve,
 * reject with a reason, approve several at once; counts per status and the other statuses as filters.
 * One page at a time (the server's `next` cursor): a page is what a reviewer checks in one go.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type PhotoStatus } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { PHOTO_STATUS_LABELS } from '../../credential-words';
import { useAsync } from '../../hooks/use-async';
import { useCursorPages } from '../../hooks/use-cursor-pages';
import { usePoll } from '../../hooks/use-poll';
import { Link } from '../../router';
import { useSession } from '../../session';
import type { ListTabProps } from '../list-page';
import { ReviewItem } from './review-item';

const FILTERS: readonly PhotoStatus[] = ['pending', 'approved', 'rejected'];
const PAGE = 24;

export function PhotosPage({ list }: ListTabProps) {
  const { canWrite } = useSession();
  const [status, setStatus] = useState<PhotoStatus>('pending');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [message, setMessage] = useState('');
  const [error, setError] = useState<ApiError>();
  const pages = useCursorPages<string>();
  // One photo more than a page: "Next page" is offered only when there is one. The cursor is the
  // The keyset "createdAt|id" of a page's last photo, as the server's own `next` is (src/http/credential-routes.ts).
  const queue = useAsync(() => api.photos.queue(list.id, status, pages.cursor, PAGE + 1), [list.id, status, pages.cursor]);
  usePoll(() => queue.reload(true), 4000);
  const photos = (queue.data?.photos ?? []).slice(0, PAGE);
  const counts = queue.data?.counts ?? {};
  const next = (queue.data?.photos.length ?? 0) > PAGE ? `${photos[PAGE - 1]!.createdAt}|${photos[PAGE - 1]!.id}` : null;
  const turn = (fn: () => void) => { fn(); setSelected(new Set()); setMessage(''); window.scrollTo(0, 0); };
  const reviewing = status === 'pending' && canWrite;

  const done = async (text: string) => {
    setMessage(text);
    setSelected(new Set());
    await queue.reload(true);
  };
  const bulk = async () => {
    setError(undefined);
    try {
      const r = await api.photos.approveMany(list.id, [...selected]);
      await done(`${r.approved.length} ${r.approved.length === 1 ? 'photo' : 'photos'} approved${r.skipped.length ? `; ${r.skipped.length} skipped (${r.skipped.map((s) => s.reason).join('; ')})` : ''}.`);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const toggle = (id: string, on: boolean) => setSelected((s) => {
    const next = new Set(s);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  });

  return (
    <section>
      <h1>{list.name}: photos</h1>
      <dl className="counts" aria-label="Photos per status">
        {(['pending', 'approved', 'rejected', 'superseded'] as const).map((s) => <div key={s}><dt>{PHOTO_STATUS_LABELS[s]}</dt><dd>{counts[s] ?? 0}</dd></div>)}
      </dl>
      <div className="toolbar">
        <div role="group" aria-label="Show photos" className="segmented">
          {FILTERS.map((f) => <button key={f} type="button" aria-pressed={status === f} className={status === f ? '' : 'secondary'} onClick={() => turn(() => { setStatus(f); pages.first(); })}>{PHOTO_STATUS_LABELS[f]}</button>)}
        </div>
        {canWrite ? <Link className="button secondary" to={`/lists/${list.id}/photos/capture`}>Start a capture session</Link> : null}
        <Link className="button secondary" to={`/lists/${list.id}/photos/campaigns`}>Invite by email</Link>
      </div>
      {reviewing && photos.length > 0 ? (
        <div className="toolbar">
          <label className="inline"><input type="checkbox" checked={selected.size === photos.length} onChange={(e) => setSelected(e.target.checked ? new Set(photos.map((p) => p.id)) : new Set())} /> Select all on screen</label>
          <button type="button" disabled={selected.size === 0} onClick={() => void bulk()}>Approve selected ({selected.size})</button>
        </div>
      ) : null}
      <StatusMessage>{message}</StatusMessage>
      <ErrorMessage error={error ?? queue.error} />
      {queue.data && photos.length === 0 && pages.number === 1 ? <p>{status === 'pending' ? 'Nothing waits for review.' : `No ${PHOTO_STATUS_LABELS[status].toLowerCase()} photos.`}</p> : null}
      {queue.data && photos.length === 0 && pages.number > 1 ? <p>No more photos after the previous page.</p> : null}
      {queue.data && (pages.number > 1 || next !== null) ? (
        <p className="status">Page {pages.number}: {photos.length} {photos.length === 1 ? 'photo' : 'photos'} shown of {counts[status] ?? 0}.</p>
      ) : null}
      <ul className="photo-grid" aria-label={`${PHOTO_STATUS_LABELS[status]} photos`}>
        {photos.map((p) => (
          <ReviewItem key={p.id} list={list} photo={p} reviewing={reviewing} selected={selected.has(p.id)}
            onSelect={(on) => toggle(p.id, on)} onDone={done} />
        ))}
      </ul>
      {pages.number > 1 || next !== null ? (
        <div className="pager">
          <button type="button" className="secondary" disabled={pages.number === 1} onClick={() => turn(pages.previous)}>Previous page</button>
          <button type="button" className="secondary" disabled={next === null} onClick={() => { if (next !== null) turn(() => pages.next(next)); }}>Next page</button>
        </div>
      ) : null}
    </section>
  );
}
