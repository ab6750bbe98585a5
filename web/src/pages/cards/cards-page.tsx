/** The Cards tab: the list's card templates (open one in the editor) and printing. */
import { api } from '../../api';
import { DateTime } from '../../components/date-time';
import { ErrorMessage } from '../../components/error-message';
import { useAsync } from '../../hooks/use-async';
import { Link } from '../../router';
import { useSession } from '../../session';
import type { ListTabProps } from '../list-page';
import { PrintPanel } from './print-panel';

export function CardsPage({ list }: ListTabProps) {
  const { canWrite } = useSession();
  const templates = useAsync(() => api.cards.templates(list.id), [list.id]);
  const all = templates.data?.templates ?? [];
  return (
    <section>
      <h1>{list.name}: cards</h1>
      <h2>Card templates</h2>
      <ErrorMessage error={templates.error} />
      {templates.loading && !templates.data ? <p role="status">Loading templates…</p> : null}
      <ul className="template-list" aria-label="Card templates">
        {all.map((t) => (
          <li key={t.id}>
            <Link to={`/lists/${list.id}/cards/${t.id}`}>{canWrite ? 'Edit' : 'View'} “{t.name}”</Link>{' '}
            <span className="hint">{t.template.orientation ?? 'landscape'}, {t.template.front.elements.length + t.template.back.elements.length} elements, changed <DateTime value={t.updatedAt} /></span>
          </li>
        ))}
      </ul>
      {canWrite && all.length ? <PrintPanel list={list} templates={all} /> : null}
    </section>
  );
}
