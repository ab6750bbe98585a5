/**
 * A refused upload in words: a photo the checks turned down lists what to change, one problem a
 * line (docs/photos.md, "The checks"); any other failure is an ordinary error message.
 */
import type { ApiError } from '../api';
import { ErrorMessage } from './error-message';

export function PhotoRefusal({ error }: { readonly error: ApiError | undefined }) {
  if (!error) return null;
  if (error.status !== 422 || error.problems.length === 0) return <ErrorMessage error={error} />;
  return (
    <div className="error" role="alert">
      <strong>The photo was not accepted.</strong>
      <ul>{error.problems.map((p, i) => <li key={i}>{p.message}</li>)}</ul>
    </div>
  );
}
