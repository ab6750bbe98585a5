/** One photo in the review queue: the image, whose it is, its check metrics, approve or reject with a reason. */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type MasterList, type Photo } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { SOURCE_LABELS } from '../../credential-words';
import { Link } from '../../router';

interface Props {
  readonly list: MasterList;
  readonly photo: Photo;
  readonly reviewing: boolean;
  readonly selected: boolean;
  readonly onSelect: (on: boolean) => void;
  readonly onDone: (message: string) => Promise<void>;
}

const metric = (v: unknown) => (typeof v === 'number' ? Math.round(v).toString() : '—');

export function ReviewItem({ list, photo: p, reviewing, selected, onSelect, onDone }: Props) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const who = p.personName || 'Unknown person';

  const decide = async (run: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      await onDone(message);
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };
  const reject = (e: FormEvent) => {
    e.preventDefault();
    void decide(() => api.photos.reject(list.id, p.id, reason.trim()), `Photo of ${who} rejected.`);
  };

  return (
    <li className="review-item" aria-label={`Photo of ${who}`}>
      <img src={api.photos.imageUrl(list.id, p.id)} alt={`Photo of ${who}`} width={150} height={200} loading="lazy" />
      <div className="review-body">
        <p className="review-name"><Link to={`/lists/${list.id}/people/${p.personId}`}>{who}</Link></p>
        <p className="hint">{SOURCE_LABELS[p.source] ?? p.source}, <DateTime value={p.createdAt} /></p>
        <dl className="facts metrics">
          <div><dt>Brightness</dt><dd>{metric(p.metrics?.brightness)} <span className="hint">(60–210)</span></dd></div>
          <div><dt>Sharpness</dt><dd>{metric(p.metrics?.sharpness)} <span className="hint">(≥ 30)</span></dd></div>
        </dl>
        {p.rejectReason ? <p>Reason: {p.rejectReason}</p> : null}
        {reviewing ? (
          <>
            <label className="inline"><input type="checkbox" checked={selected} onChange={(e) => onSelect(e.target.checked)} /> Select photo of {who}</label>
            {rejecting ? (
              <form className="stack" onSubmit={reject}>
                <label>Reason for rejecting the photo of {who}
                  <input value={reason} required maxLength={500} autoFocus onChange={(e) => setReason(e.target.value)} placeholder="Please remove your sunglasses." />
                  <span className="hint">The person sees it when they send their next photo.</span>
                </label>
                <div className="toolbar">
                  <button type="submit" className="danger" disabled={busy || !reason.trim()}>Reject</button>
                  <button type="button" className="secondary" onClick={() => setRejecting(false)}>Cancel</button>
                </div>
              </form>
            ) : (
              <div className="toolbar">
                <button type="button" disabled={busy} onClick={() => void decide(() => api.photos.approve(list.id, p.id), `Photo of ${who} approved.`)}>Approve<span className="visually-hidden"> photo of {who}</span></button>
                <button type="button" className="secondary" disabled={busy} onClick={() => setRejecting(true)}>Reject…<span className="visually-hidden"> photo of {who}</span></button>
              </div>
            )}
          </>
        ) : null}
        <ErrorMessage error={error} />
      </div>
    </li>
  );
}
