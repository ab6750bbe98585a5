/** Which screen a path shows. The mapping editor takes the whole viewport, so it has no app frame. */
import { match, useLocation } from './router';
import { Layout } from './components/layout';
import { ListsPage } from './pages/lists-page';
import { ListPage } from './pages/list-page';
import { AdminsPage } from './pages/admins-page';
import { MappingEditorPage } from './pages/mapping-editor-page';
import { NotFoundPage } from './pages/not-found-page';
import { PersonHistoryPage } from './pages/person-history-page';
import { WalletsPage } from './pages/wallets/wallets-page';
import { EmailPage } from './pages/email/email-page';
import { InstallationPage } from './pages/installation/installation-page';
import { WebhooksPage } from './pages/webhooks/webhooks-page';

export function Routes() {
  const { path } = useLocation();
  const editor = match('/lists/:listId/mapping', path);
  if (editor) return <MappingEditorPage listId={editor.listId!} />;
  return <Layout><Screen path={path} /></Layout>;
}

function Screen({ path }: { readonly path: string }) {
  if (path === '/' || path === '/lists') return <ListsPage />;
  if (path === '/admins') return <AdminsPage />;
  if (path === '/settings/wallets') return <WalletsPage />;
  if (path === '/settings/email') return <EmailPage />;
  if (path === '/settings/installation') return <InstallationPage />;
  if (path === '/settings/webhooks') return <WebhooksPage />;
  const history = match('/lists/:listId/people/:personId/history', path);
  if (history) return <PersonHistoryPage listId={history.listId!} personId={history.personId!} />;
  const campaign = match('/lists/:listId/photos/campaigns/:campaignId', path);
  if (campaign) return <ListPage listId={campaign.listId!} tab="photos" sub="campaigns" item={campaign.campaignId} />;
  const list = match('/lists/:listId', path) ?? match('/lists/:listId/:tab', path) ?? match('/lists/:listId/:tab/:sub', path);
  if (list) return <ListPage listId={list.listId!} tab={list.tab ?? 'people'} sub={list.sub} />;
  return <NotFoundPage />;
}
