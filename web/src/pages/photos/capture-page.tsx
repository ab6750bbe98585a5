/**
 * A capture session: an operator photographs a queue of people one after another. Each shot is
 * uploaded with source=capture, checked at once, and the result shown before moving on.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError, type MasterList } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { PhotoRefusal } from '../../components/photo-refusal';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { personName } from '../../person-name';
import { Link } from '../../router';
import { useSession } from '../../session';
import { Camera } from './camera';
import { captureQueue } from './capture-queue';

export function CapturePage({ list }: { readonly list: MasterList }) {
  const { canWrite } = useSession();
  const queue = useAsync(() => captureQueue(list.id), [list.id]);
  const [index, setIndex] = useState(0);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const [accepted, setAccepted] = useState(false);
  const [busy, setBusy] = useState(false);
  const people = queue.data ?? [];
  const person = people[index];

  const next = () => {
    setIndex((i) => i + 1);
    setStatus('');
    setError(undefined);
    setAccepted(false);
  };
  const upload = async (file: Blob) => {
    if (!person) return;
    setBusy(true);
    setError(undefined);
    setAccepted(false);
    setStatus('Checking the photo…');
    try {
      await api.photos.upload(list.id, person.id, file, 'capture');
      setAccepted(true);
      setStatus(`Photo of ${personName(person)} passed the checks and waits for review.`);
    } catch (err) {
      setStatus('');
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p><Link to={`/lists/${list.id}/photos`}>← Photos</Link></p>
      <h1>{list.name}: capture session</h1>
      {!canWrite ? <p>Read-only: viewers cannot take photos.</p> : null}
      <ErrorMessage error={queue.error} />
      {queue.loading && !queue.data ? <p role="status">Finding who still needs a photo…</p> : null}
      {queue.data ? (
        <p className="status" role="status" aria-live="polite">
          {people.length === 0 ? 'Everyone active has a photo approved or waiting for review.'
            : person ? `Person ${index + 1} of ${people.length} without a photo.` : `Session finished: all ${people.length} people done.`}
        </p>
      ) : null}
      {person && canWrite ? (
        <div className="panel capture">
          <h2>{personName(person)}</h2>
          <p className="hint">{person.userName}</p>
          <Camera onPhoto={(f) => void upload(f)} disabled={busy} who={personName(person)} />
          <StatusMessage className={accepted ? 'status ok' : 'status'}>{status}</StatusMessage>
          <PhotoRefusal error={error} />
          <div className="toolbar">
            <button type="button" className={accepted ? '' : 'secondary'} onClick={next}>{accepted ? 'Next person' : 'Skip this person'}</button>
          </div>
        </div>
      ) : null}
    </section>
  );
}
