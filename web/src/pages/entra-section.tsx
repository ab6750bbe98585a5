/** Entra ID pull sync: the connection (the secret is write-only), Test connection, scope, schedule, runs. */
import { useEffect, useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type EntraSchedule, type EntraTestResult, type MasterList } from '../api';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { StatusMessage } from '../components/status-message';
import { useAsync } from '../hooks/use-async';
import { useSession } from '../session';
import { EntraRuns } from './entra-runs';
import { GroupPicker, type PickedGroup } from './group-picker';
import { SelectField } from '../components/select-field';

const SCHEDULES: readonly [EntraSchedule, string][] = [['manual', 'Only when I click Sync now'], ['15m', 'Every 15 minutes'], ['hourly', 'Every hour'], ['daily', 'Every day']];

const GLOBAL_AUTHORITY = 'https://login.microsoftonline.com';
const GLOBAL_GRAPH = 'https://graph.microsoft.com';

/** A stored endpoint worth showing in the form: anything but the global default. */
const custom = (v: string | undefined, dflt: string) => (v && v !== dflt ? v : '');

/** An endpoint field, sent only when filled in (the server defaults to the global cloud). */
function optional(name: 'authorityUrl' | 'graphUrl', f: FormData): { authorityUrl?: string; graphUrl?: string } {
  const v = String(f.get(name) ?? '').trim();
  return v ? { [name]: v } : {};
}

export function EntraSection({ list, reloadList }: { readonly list: MasterList; readonly reloadList: () => Promise<void> }) {
  const { canWrite } = useSession();
  const conn = useAsync(() => api.entra.get(list.id), [list.id]);
  const [groups, setGroups] = useState<PickedGroup[]>([]);
  const [error, setError] = useState<ApiError>();
  const [said, setSaid] = useState('');
  const [test, setTest] = useState<EntraTestResult>();
  const c = conn.data;
  useEffect(() => {
    if (c?.groups) setGroups(c.groups.map((g) => ({ id: g.id, ...(g.displayName ? { displayName: g.displayName } : {}) })));
    else if (c?.groupIds) setGroups(c.groupIds.map((id) => ({ id })));
  }, [c?.groups, c?.groupIds]);

  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setError(undefined);
    try {
      conn.set(await api.entra.connect(list.id, {
        tenantId: String(f.get('tenantId') ?? ''), clientId: String(f.get('clientId') ?? ''), clientSecret: String(f.get('clientSecret') ?? ''),
        groupIds: groups.map((g) => g.id), schedule: String(f.get('schedule')) as EntraSchedule,
        ...optional('authorityUrl', f), ...optional('graphUrl', f), syncPhotos: f.get('syncPhotos') === 'on',
      }));
      form.reset();
      // The page shows the list's new sync method before it says the connection was saved, never a
      // "saved" beside the old method.
      await reloadList();
      setSaid('Connection saved. The client secret is stored encrypted and never shown again.');
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const runTest = async () => {
    setError(undefined);
    setTest(undefined);
    setSaid('Testing the connection…');
    try {
      const t = await api.entra.test(list.id);
      setTest(t);
      setSaid('');
    } catch (err) {
      setError(toApiError(err));
      setSaid('');
    }
  };

  return (
    <section aria-labelledby="entra-h" className="panel">
      <h2 id="entra-h">Microsoft Entra ID pull sync</h2>
      <ErrorMessage error={conn.error} />
      {c?.connected ? (
        <dl className="facts">
          <div><dt>Tenant</dt><dd><code>{c.tenantId}</code></dd></div>
          <div><dt>Client</dt><dd><code>{c.clientId}</code></dd></div>
          <div><dt>People in scope</dt><dd>{c.peopleInScope ?? 0}</dd></div>
          <div><dt>Last run</dt><dd><DateTime value={c.lastRunAt} fallback="Never" /></dd></div>
          <div><dt>Next run</dt><dd>{c.running ? 'Running now' : c.nextRunDue ? 'Starting within a minute' : <DateTime value={c.nextRunAt} fallback="Only when you click Sync now" />}</dd></div>
          <div><dt>Groups in scope</dt><dd>{(c.groups ?? []).map((g) => g.displayName ?? g.id).join(', ') || '—'}</dd></div>
        </dl>
      ) : <p>Not connected. Register an app in Entra with the application permissions User.Read.All and GroupMember.Read.All (admin consent), then enter its details.</p>}
      {canWrite ? (
        <form onSubmit={save} className="stack" aria-label="Entra ID connection">
          <label>Tenant id<input name="tenantId" required defaultValue={c?.tenantId ?? ''} key={`t-${c?.tenantId}`} /></label>
          <label>Client (application) id<input name="clientId" required defaultValue={c?.clientId ?? ''} key={`c-${c?.clientId}`} /></label>
          <label>Client secret<input name="clientSecret" type="password" required autoComplete="off" aria-describedby="secret-hint" /></label>
          <p id="secret-hint" className="hint">{c?.connected ? 'Stored encrypted and never shown. Enter it again to save changes.' : 'Stored encrypted and never shown again.'}</p>
          <GroupPicker listId={list.id} connected={!!c?.connected} value={groups} onChange={setGroups} />
          <SelectField label="Schedule" name="schedule" defaultValue={c?.schedule ?? 'hourly'} key={`s-${c?.schedule}`}>
              {SCHEDULES.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
            </SelectField>
          <label className="inline">
            <input type="checkbox" name="syncPhotos" defaultChecked={c?.syncPhotos ?? false} key={`p-${String(c?.syncPhotos)}`} aria-describedby="photos-hint" /> Sync profile photos
          </label>
          <p id="photos-hint" className="hint">After each run, people without a photo get their Entra profile photo, checked and queued for your review.</p>
          <details>
            <summary>National clouds (US Government, China)</summary>
            <p className="hint">Leave empty for Microsoft&apos;s global cloud.</p>
            <label>Sign-in authority URL<input name="authorityUrl" type="url" defaultValue={custom(c?.authorityUrl, GLOBAL_AUTHORITY)} key={`a-${c?.authorityUrl}`} placeholder={GLOBAL_AUTHORITY} /></label>
            <label>Microsoft Graph URL<input name="graphUrl" type="url" defaultValue={custom(c?.graphUrl, GLOBAL_GRAPH)} key={`g-${c?.graphUrl}`} placeholder={GLOBAL_GRAPH} /></label>
          </details>
          <button type="submit">{c?.connected ? 'Save connection' : 'Connect'}</button>
        </form>
      ) : null}
      <StatusMessage>{said}</StatusMessage>
      <ErrorMessage error={error} />
      {c?.connected ? (
        <>
          {canWrite ? <button type="button" className="secondary" onClick={() => void runTest()}>Test connection</button> : null}
          {test ? (
            <p role="status" className={test.ok ? 'ok' : 'error'}>
              {test.ok ? `Connection works: the app can read ${test.users ?? '?'} users and ${test.groups ?? '?'} groups.`
                : test.missingPermissions.length ? `The app is missing the permission ${test.missingPermissions.join(' and ')} (grant admin consent in Entra).`
                  : `The connection failed: ${test.error ?? 'unknown error'}`}
            </p>
          ) : null}
          <EntraRuns listId={list.id} onRunEnded={() => void conn.reload(true)} onRunStarted={() => void conn.reload(true)} />
        </>
      ) : null}
    </section>
  );
}
