/**
 * The Cards tab: the list's card templates (open one in the editor; writers create, duplicate
 * and delete them) and printing.
 */
import { useState } from 'react';
import { api } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { useAsync } from '../../hooks/use-async';
import { useSession } from '../../session';
import type { ListTabProps } from '../list-page';
import { NewTemplateForm } from './new-template-form';
import { PrintPanel } from './print-panel';
import { TemplateItem } from './template-item';

export function CardsPage({ list }: ListTabProps) {
  const { canWrite } = useSession();
  const templates = useAsync(() => api.cards.templates(list.id), [list.id]);
  const [said, setSaid] = useState('');
  const all = templates.data?.templates ?? [];
  const changed = async (message: string) => {
    setSaid(message);
    await templates.reload(true);
  };
  return (
    <section>
      <h1>{list.name}: cards</h1>
      <h2>Card templates</h2>
      <ErrorMessage error={templates.error} />
      {templates.loading && !templates.data ? <p role="status">Loading templates…</p> : null}
      <StatusMessage>{said}</StatusMessage>
      <ul className="template-list" aria-label="Card templates">
        {all.map((t) => <TemplateItem key={t.id} list={list} template={t} canWrite={canWrite} canDelete={all.length > 1} onChanged={changed} />)}
      </ul>
      {canWrite && all.length === 1 ? <p className="hint">The only template cannot be deleted: printing needs one.</p> : null}
      {canWrite && templates.data ? <NewTemplateForm list={list} model={all[0]} /> : null}
      {canWrite && all.length ? <PrintPanel key={all.map((t) => t.id).join()} list={list} templates={all} /> : null}
    </section>
  );
}
