/**
 * A capture session for whoever walks up (issue 14, item 3): the operator finds the person by
 * name, email, identifier, or by scanning their card (a hand scanner types the barcode's value
 * into the search field and presses Enter), takes the photo, and sees the checks' result at once.
 * With the organisation's "approve photos taken here" setting on, the photo is approved in the
 * same step, recorded as approved by this admin. Without a search, who still needs a photo is
 * offered one after another, as before.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type CapturePerson, type MasterList } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { PhotoRefusal } from '../../components/photo-refusal';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { personName } from '../../person-name';
import { Link } from '../../router';
import { useSession } from '../../session';
import { Camera } from './camera';
import { captureQueue } from './capture-queue';

type Subject = Pick<CapturePerson, 'id' | 'userName' | 'fields'>;
const PHOTO_WORDS = { approved: 'photo approved', pending: 'photo waiting for review' } as const;

export function CapturePage({ list }: { readonly list: MasterList }) {
  const { canWrite } = useSession();
  const queue = useAsync(() => captureQueue(list.id), [list.id]);
  const settings = useAsync(() => api.capture.settings(), []);
  const [index, setIndex] = useState(0);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<readonly CapturePerson[]>();
  const [searchError, setSearchError] = useState<ApiError>();
  const [picked, setPicked] = useState<Subject>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError>();
  const [accepted, setAccepted] = useState(false);
  const [busy, setBusy] = useState(false);
  const people = queue.data ?? [];
  const person: Subject | undefined = picked ?? people[index];
  const approveOnCapture = settings.data?.approveOnCapture === true;

  const reset = () => {
    setStatus('');
    setError(undefined);
    setAccepted(false);
  };
  const next = () => {
    if (picked) setPicked(undefined);
    else setIndex((i) => i + 1);
    reset();
  };
  const search = async (e: FormEvent) => {
    e.preventDefault();
    setSearchError(undefined);
    if (!query.trim()) return;
    try {
      const r = await api.capture.search(list.id, query.trim());
      setFound(r.people);
      // A scanned card names one person: straight to the camera.
      if (r.people.length === 1 && r.people[0]!.matchedBy !== 'search') pick(r.people[0]!);
    } catch (err) {
      setSearchError(toApiError(err));
    }
  };
  const pick = (p: CapturePerson) => {
    setPicked(p);
    reset();
  };
  // The box follows the click at once (a checkbox that changes only after a round trip reads as
  // broken, and lets a second click race the first); a refused change puts it back.
  const toggleApproval = async (on: boolean) => {
    const before = settings.data;
    if (before) settings.set({ ...before, approveOnCapture: on });
    try {
      settings.set(await api.capture.configure(on));
    } catch (err) {
      if (before) settings.set(before);
      setSearchError(toApiError(err));
    }
  };
  const upload = async (file: Blob) => {
    if (!person) return;
    setBusy(true);
    reset();
    setStatus('Checking the photo…');
    try {
      const photo = await api.photos.upload(list.id, person.id, file, 'capture', approveOnCapture);
      setAccepted(true);
      setStatus(photo.status === 'approved' ? `Photo of ${personName(person)} passed the checks and is approved.`
        : `Photo of ${personName(person)} passed the checks and waits for review.`);
      if (found) setFound(found.map((p) => (p.id === person.id ? { ...p, photo: photo.status === 'approved' ? 'approved' : 'pending' } : p)));
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
      {canWrite ? (
        <>
          <form className="panel stack" role="search" aria-label="Search the roster" onSubmit={(e) => void search(e)}>
            <div className="field">
              <label htmlFor="capture-q">Find a person</label>
              <div className="toolbar">
                <input id="capture-q" type="search" autoComplete="off" value={query} aria-describedby="capture-q-hint" onChange={(e) => setQuery(e.target.value)} />
                <button type="submit">Find</button>
              </div>
              <span id="capture-q-hint" className="hint">Name, email or identifier — or scan their card’s barcode.</span>
            </div>
            <label className="checkbox">
              <input type="checkbox" checked={approveOnCapture} disabled={!settings.data} onChange={(e) => void toggleApproval(e.target.checked)} />
              Approve photos taken here at once (recorded as approved by you)
            </label>
          </form>
          <ErrorMessage error={searchError} />
          {found ? (
            found.length === 0 ? <p role="status">Nobody on this list matches “{query}”.</p> : (
              <ul className="capture-results" aria-label="People found">
                {found.map((p) => (
                  <li key={p.id}>
                    <button type="button" className={person?.id === p.id ? '' : 'secondary'} aria-pressed={person?.id === p.id} onClick={() => pick(p)}>
                      {personName(p)}
                    </button>
                    <span className="hint"> {p.userName} · {p.photo ? PHOTO_WORDS[p.photo] : 'no photo'}{p.active ? '' : ' · deactivated'}</span>
                  </li>
                ))}
              </ul>
            )
          ) : null}
        </>
      ) : null}
      <ErrorMessage error={queue.error} />
      {!picked && queue.loading && !queue.data ? <p role="status">Finding who still needs a photo…</p> : null}
      {!picked && queue.data ? (
        <p className="status" role="status" aria-live="polite">
          {people.length === 0 ? 'Everyone active has a photo approved or waiting for review.'
            : people[index] ? `Person ${index + 1} of ${people.length} without a photo.` : `Session finished: all ${people.length} people done.`}
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
            <button type="button" className={accepted ? '' : 'secondary'} onClick={next}>
              {picked ? (accepted ? 'Done' : 'Back to the queue') : accepted ? 'Next person' : 'Skip this person'}
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}
