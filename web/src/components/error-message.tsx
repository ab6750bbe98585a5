/** An API error in words: a lead-in that says what kind of trouble it is, then the server's detail. */
import { leadIn, type ApiError } from '../api';

export function ErrorMessage({ error }: { readonly error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      <strong>{leadIn(error)}</strong> {error.status === 0 ? 'Check your connection and try again.' : error.detail}
    </p>
  );
}
