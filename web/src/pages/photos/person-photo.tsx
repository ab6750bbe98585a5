/**
 * The person's photo on their page: the approved one (or a sentence saying there is none), the
 * history of every photo with its review, an upload for admins and the self-upload link form.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type MasterList, type Photo } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { PhotoRefusal } from '../../components/photo-refusal';
import { StatusMessage } from '../../components/status-message';
import { PHOTO_STATUS_LABELS, SOURCE_LABELS } from '../../credential-words';
import { useAsync } from '../../hooks/use-async';
import { Link } from '../../router';
import { useSession } from '../../session';
import { PhotoLinkForm } from './photo-link-form';

export function PersonPhoto({ list, personId, name, email }: { readonly list: MasterList; readonly personId: string; readonly name: string; readonly email?: string }) {
  const { canWrite } = useSession();
  const history = useAsync(() => api.photos.ofPerson(list.id, personId), [list.id, personId]);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const photos = history.data?.photos ?? [];
  const approved = photos.find((p) => p.status === 'approved');

  const send = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setStatus(`Checking ${file.name}…`);
    try {
      await api.photos.upload(list.id, personId, file);
      setStatus('The photo passed the checks and waits for review in the Photos tab.');
      await history.reload(true);
    } catch (err) {
      setStatus('');
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="photo-h" className="person-photo">
      <h2 id="photo-h">Photo</h2>
      <div className="photo-row">
        {approved
          ? <img className="id-photo" src={api.photos.approvedUrl(list.id, personId, approved.id)} alt={`Approved photo of ${name}`} width={150} height={200} />
          : <p className="id-photo empty">{history.data ? 'No approved photo yet.' : 'Loading…'}</p>}
        <div className="stack">
          {canWrite ? (
            <>
              <label>Upload photo
                <input type="file" accept="image/jpeg,image/png,image/webp,image/avif" disabled={busy}
                  onChange={(e) => { void send(e.target.files?.[0]); e.target.value = ''; }} />
                <span className="hint">JPEG, PNG, WebP or AVIF, at least 600 × 800 pixels, one face.</span>
              </label>
              <StatusMessage>{status}</StatusMessage>
              <PhotoRefusal error={error} />
            </>
          ) : null}
          <p><Link to={`/lists/${list.id}/photos`}>Review queue</Link></p>
        </div>
      </div>
      {canWrite ? <PhotoLinkForm list={list} personId={personId} email={email} onCreated={() => void history.reload(true)} /> : null}
      <ErrorMessage error={history.error} />
      <PhotoHistory list={list} photos={photos} />
    </section>
  );
}

function PhotoHistory({ list, photos }: { readonly list: MasterList; readonly photos: readonly Photo[] }) {
  if (photos.length === 0) return <p>No photos have been sent yet.</p>;
  return (
    <>
      <h3>Photo history</h3>
      <ol className="photo-history" aria-label="Photo history">
        {photos.map((p) => (
          <li key={p.id}>
            <img src={api.photos.imageUrl(list.id, p.id)} alt="" width={45} height={60} loading="lazy" />
            <span>
              <span className={`badge photo-${p.status}`}>{PHOTO_STATUS_LABELS[p.status] ?? p.status}</span>{' '}
              {SOURCE_LABELS[p.source] ?? p.source}, <DateTime value={p.createdAt} />
              {p.rejectReason ? <> · Reason: {p.rejectReason}</> : null}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
