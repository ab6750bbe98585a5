/** Typed calls of the admin API, one function per endpoint the app uses. */
import { request, sendText } from './client';
import type { SecurityPage } from './security-types';
import type { SsoOffer, SsoSettings, SsoSettingsInput } from './sso-types';
import type {
  AdminAccount, AuditFilter, FieldChanges, ImportReport, AuditPage, Derived, EntraConnection, EntraSchedule, EntraTestResult, Job, MappingEntry, MasterList,
  PeoplePage, PeopleQuery, PersonDetail, ReceivedAttribute, RequestLogEntry, Role, RosterField, Session, SetupGuide, LiveCheck, SyncMethod,
  Token, UidAttribute, VerifyResult,
} from './types';

const L = (listId: string) => `/lists/${encodeURIComponent(listId)}`;

export const auth = {
  session: () => request<Session>('GET', '/auth/session'),
  setup: (b: { organisation: string; name: string; email: string; password: string; setupToken?: string }) => request<Session>('POST', '/auth/setup', b),
  signIn: (b: { email: string; password: string }) => request<Session>('POST', '/auth/sign-in', b),
  signOut: () => request<void>('POST', '/auth/sign-out'),
  /** The identity provider that signs in this address (by domain) or this organisation (a sign-in link's ?org=). */
  ssoFor: (b: { email: string } | { org: string }) => request<{ sso: SsoOffer | null }>('POST', '/auth/sso/discover', b),
};

/** Where the browser goes to sign in with the organisation's provider (a navigation, not a fetch). */
export const ssoStartUrl = (orgId: string, email?: string) => `/api/v1/auth/sso/start?${new URLSearchParams({ org: orgId, ...(email ? { login_hint: email } : {}) }).toString()}`;

/** The organisation's single sign-on connection (owners change it). */
export const sso = {
  get: () => request<SsoSettings>('GET', '/sso'),
  put: (b: SsoSettingsInput) => request<SsoSettings>('PUT', '/sso', b),
  remove: () => request<void>('DELETE', '/sso'),
};

export const admins = {
  all: () => request<{ admins: AdminAccount[] }>('GET', '/admins'),
  create: (b: { email: string; name: string; role: Role; password: string }) => request<AdminAccount>('POST', '/admins', b),
  setRole: (id: string, role: Role) => request<AdminAccount>('PATCH', `/admins/${encodeURIComponent(id)}`, { role }),
  remove: (id: string) => request<void>('DELETE', `/admins/${encodeURIComponent(id)}`),
};

/** Sign-ins and account changes, newest first (owners and admins; viewers get 403). */
export const security = {
  events: (cursor?: number, limit = 50) => request<SecurityPage>('GET', '/security-events', undefined, { limit, cursor }),
};

export const lists = {
  all: () => request<{ lists: MasterList[] }>('GET', '/lists'),
  get: (id: string) => request<MasterList>('GET', L(id)),
  create: (b: { name: string; uidAttribute?: UidAttribute; syncMethod: 'scim' | 'none' }) =>
    request<{ list: MasterList; token: { id: string; label: string; secret: string } | null }>('POST', '/lists', b),
  setSyncMethod: (id: string, syncMethod: 'scim' | 'none') => request<MasterList & { token?: string }>('PATCH', L(id), { syncMethod }),
  /** Refused (409 uid_locked) once the list has people. */
  setUid: (id: string, uidAttribute: UidAttribute) => request<MasterList>('PATCH', L(id), { uidAttribute }),
  setupGuide: (id: string, idp: string) => request<SetupGuide>('GET', `${L(id)}/setup/${encodeURIComponent(idp)}`),
  setupCheck: (id: string, idp: string, since?: LiveCheck['since']) =>
    request<LiveCheck>('GET', `${L(id)}/setup/${encodeURIComponent(idp)}/check`, undefined, since ? { seq: since.seq, request: since.request, time: since.time } : undefined),
};

export type { SyncMethod };

export const tokens = {
  all: (listId: string) => request<{ tokens: Token[] }>('GET', `${L(listId)}/tokens`),
  create: (listId: string, label: string) => request<{ token: Token; secret: string }>('POST', `${L(listId)}/tokens`, { label }),
  revoke: (listId: string, tokenId: string) => request<void>('DELETE', `${L(listId)}/tokens/${encodeURIComponent(tokenId)}`),
};

export const audit = {
  events: (listId: string, f: AuditFilter & { limit?: number; cursor?: number; order?: 'asc' | 'desc' }) => request<AuditPage>('GET', `${L(listId)}/audit/events`, undefined, { ...f }),
  verify: (listId: string) => request<VerifyResult>('GET', `${L(listId)}/audit/verify`),
  /** Owners and admins; viewers get 403 (the log holds request bodies). */
  failedRequests: (listId: string, cursor?: number) =>
    request<{ requests: RequestLogEntry[]; next: number | null }>('GET', `${L(listId)}/request-log`, undefined, { failed: 'true', limit: 50, cursor }),
};

export const roster = {
  people: (listId: string, q: PeopleQuery, signal?: AbortSignal) => request<PeoplePage>('GET', `${L(listId)}/people`, undefined, { ...q }, signal),
  person: (listId: string, personId: string) => request<PersonDetail>('GET', `${L(listId)}/people/${encodeURIComponent(personId)}`),
  fields: (listId: string) => request<{ fields: RosterField[] }>('GET', `${L(listId)}/fields`),
  addField: (listId: string, f: { key: string; label: string; type: string; required?: boolean; options?: string[] }) =>
    request<{ field: RosterField; jobId: string }>('POST', `${L(listId)}/fields`, f),
  /** Label, required and (dropdown) options; a field's key never changes, nor the unique identifier's type. */
  updateField: (listId: string, key: string, f: FieldChanges) =>
    request<{ field: RosterField; jobId: string }>('PATCH', `${L(listId)}/fields/${encodeURIComponent(key)}`, f),
  removeField: (listId: string, key: string) => request<{ jobId: string }>('DELETE', `${L(listId)}/fields/${encodeURIComponent(key)}`),
  mapping: (listId: string) => request<{ entries: MappingEntry[]; version: number }>('GET', `${L(listId)}/mapping`),
  saveMapping: (listId: string, entries: readonly MappingEntry[]) => request<{ entries: MappingEntry[]; job: Job }>('PUT', `${L(listId)}/mapping`, { entries }),
  preview: (listId: string, personId: string, entries: readonly MappingEntry[]) => request<Derived>('POST', `${L(listId)}/mapping/preview`, { personId, entries }),
  attributes: (listId: string) => request<{ attributes: ReceivedAttribute[] }>('GET', `${L(listId)}/attributes`),
  job: (listId: string, jobId: string) => request<Job>('GET', `${L(listId)}/jobs/${encodeURIComponent(jobId)}`),
  /** Imports a CSV into a list without a sync method; a dry run reports what would change and changes nothing. */
  /** The file as chosen, not as text: the server refuses a file that is not UTF-8 (the browser would read U+FFFD into it). */
  importCsv: (listId: string, csv: Blob, dryRun: boolean) => sendText<ImportReport>(`${L(listId)}/import`, csv, 'text/csv', { dryRun }),
};

export const entra = {
  get: (listId: string) => request<EntraConnection>('GET', `${L(listId)}/entra`),
  connect: (listId: string, b: { tenantId: string; clientId: string; clientSecret: string; groupIds: string[]; schedule: EntraSchedule; authorityUrl?: string; graphUrl?: string; syncPhotos?: boolean }) =>
    request<EntraConnection>('PUT', `${L(listId)}/entra`, b),
  test: (listId: string) => request<EntraTestResult>('POST', `${L(listId)}/entra/test`),
  groups: (listId: string, search: string) => request<{ groups: { id: string; displayName: string }[] }>('GET', `${L(listId)}/entra/groups`, undefined, { search }),
  runs: (listId: string) => request<{ runs: Job[] }>('GET', `${L(listId)}/entra/runs`),
  syncNow: (listId: string) => request<Job>('POST', `${L(listId)}/entra/runs`),
};
export { capture, cards, credentials, photos, wallets } from './credential-endpoints';
export { email } from './email-endpoints';
export { campaigns } from './campaign-endpoints';
export { webhooks } from './webhook-endpoints';
