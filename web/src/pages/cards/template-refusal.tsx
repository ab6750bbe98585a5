/**
 * Why a template was not saved: a 422 `invalid_template` lists every problem with where it is
 * (`front.elements[2].fontSize`); anything else is an ordinary error in words.
 */
import type { ApiError } from '../../api';
import { ErrorMessage } from '../../components/error-message';

export function TemplateRefusal({ error }: { readonly error: ApiError | undefined }) {
  if (!error || error.code !== 'invalid_template' || !error.problems.length) return <ErrorMessage error={error} />;
  const n = error.problems.length;
  return (
    <div className="error" role="alert">
      <p><strong>The template was not saved: it has {n} {n === 1 ? 'problem' : 'problems'}.</strong></p>
      <ul aria-label="Template problems">
        {error.problems.map((p, i) => <li key={i}>{p.path ? <code>{p.path}</code> : null} {p.message}</li>)}
      </ul>
    </div>
  );
}
