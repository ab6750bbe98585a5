/** One list: its name and counts, the tabs, and the tab's screen. */
import { api, type MasterList } from '../api';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { SYNC_LABELS, UID_LABELS } from '../labels';
import { Link } from '../router';
import { AuditPage } from './audit-page';
import { CardEditorPage } from './cards/card-editor-page';
import { CardsPage } from './cards/cards-page';
import { ImportPage } from './import-page';
import { NotFoundPage } from './not-found-page';
import { PeoplePage } from './people-page';
import { PersonPage } from './person-page';
import { CampaignPage } from './photos/campaign-page';
import { CampaignsPage } from './photos/campaigns-page';
import { CapturePage } from './photos/capture-page';
import { PhotosPage } from './photos/photos-page';
import { SyncPage } from './sync-page';

const TABS = [
  { key: 'people', label: 'People' },
  { key: 'sync', label: 'Sync' },
  { key: 'mapping', label: 'Mapping' },
  { key: 'photos', label: 'Photos' },
  { key: 'cards', label: 'Cards' },
  { key: 'audit', label: 'Audit trail' },
] as const;

export interface ListTabProps {
  readonly list: MasterList;
  readonly reloadList: () => Promise<void>;
}

/** `item`: what a sub-screen shows (a photo campaign's id). */
export function ListPage({ listId, tab, sub, item }: { readonly listId: string; readonly tab: string; readonly sub: string | undefined; readonly item?: string }) {
  const list = useAsync(() => api.lists.get(listId), [listId]);
  if (list.error && !list.data) return <section className="page"><h1>List</h1><ErrorMessage error={list.error} /></section>;
  if (!list.data) return <section className="page"><p role="status">Loading list…</p></section>;
  const l = list.data;
  const reloadList = () => list.reload(true);
  let screen;
  if (tab === 'people' && sub === 'import') screen = <ImportPage list={l} />;
  else if (tab === 'people' && sub) screen = <PersonPage list={l} personId={sub} />;
  else if (tab === 'people') screen = <PeoplePage list={l} reloadList={reloadList} />;
  else if (tab === 'sync') screen = <SyncPage list={l} reloadList={reloadList} />;
  else if (tab === 'photos' && sub === 'capture') screen = <CapturePage list={l} />;
  else if (tab === 'photos' && sub === 'campaigns' && item) screen = <CampaignPage list={l} campaignId={item} />;
  else if (tab === 'photos' && sub === 'campaigns') screen = <CampaignsPage list={l} />;
  else if (tab === 'photos' && !sub) screen = <PhotosPage list={l} reloadList={reloadList} />;
  else if (tab === 'cards' && sub) screen = <CardEditorPage list={l} templateId={sub} />;
  else if (tab === 'cards') screen = <CardsPage list={l} reloadList={reloadList} />;
  else if (tab === 'audit') screen = <AuditPage list={l} reloadList={reloadList} />;
  else return <NotFoundPage />;
  return (
    <div className="page">
      <div className="list-head">
        <p className="crumbs"><Link to="/">Lists</Link> / <span>{l.name}</span></p>
        <p className="meta">Unique identifier: {UID_LABELS[l.uidAttribute] ?? l.uidAttribute} · {SYNC_LABELS[l.syncMethod] ?? l.syncMethod}</p>
      </div>
      <nav aria-label="List sections" className="tabs">
        <ul>
          {TABS.map((t) => (
            <li key={t.key}>
              <Link to={`/lists/${l.id}/${t.key}`} aria-current={t.key === tab ? 'page' : undefined}>{t.label}</Link>
            </li>
          ))}
        </ul>
      </nav>
      {screen}
    </div>
  );
}
