/** The shapes the admin API answers with (src/http/admin-routes.ts, /api/v1/openapi.json). */

export type Role = 'owner' | 'admin' | 'viewer';

export interface Admin {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** The installation's owner: sets the installation's own wallet credentials. */
  readonly installationOwner?: boolean;
}

export interface AdminAccount extends Admin {
  readonly createdAt: string;
  readonly lastSignInAt: string | null;
}

export interface Session {
  readonly setupRequired: boolean;
  /** While setupRequired: open (this machine), token (MUSTER_SETUP_TOKEN needed) or closed (another machine, no token set). */
  readonly setupAccess?: 'open' | 'token' | 'closed';
  readonly admin: Admin | null;
  readonly organisation: { readonly id: string; readonly name: string } | null;
  readonly csrfToken: string | null;
}

export type UidAttribute = 'employeeNumber' | 'userName' | 'email';
export type SyncMethod = 'scim' | 'entra' | 'none';

export interface Counts {
  readonly total: number;
  readonly active: number;
  readonly synced: number;
  readonly withProblems: number;
}

export interface MasterList {
  readonly id: string;
  readonly name: string;
  readonly uidAttribute: UidAttribute;
  readonly syncMethod: SyncMethod;
  readonly strict?: boolean;
  readonly externalIdUnique: boolean;
  readonly createdAt: string;
  readonly people?: number;
  readonly counts?: Counts;
  readonly scimBaseUrl?: string | null;
}

export interface Token {
  readonly id: string;
  readonly label: string;
  readonly hint: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly idp?: string | null;
}

export interface SetupGuide {
  readonly idp: string;
  readonly title: string;
  /** The label of a token created from this guide, so the audit trail names the IdP. */
  readonly tokenLabel: string;
  readonly markdown: string;
}

/** The guide's live check: what the IdP's requests did since the guide was opened. */
export interface LiveCheck {
  readonly since: { readonly seq: number; readonly request: number; readonly time: string };
  readonly requests: number;
  readonly created: number;
  readonly updated: number;
  readonly deactivated: number;
  readonly reactivated: number;
  readonly deleted: number;
  readonly groups: number;
  readonly failed: number;
  readonly failures: readonly { readonly time: string; readonly method: string; readonly status: number; readonly scimType: string | null; readonly what: string; readonly fix: string }[];
}

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** One change in the list's words: "Department: Emergency → Intensive Care", with the stored paths it stands for. */
export interface ChangeInWords {
  readonly label: string;
  readonly field: string | null;
  readonly before: string | null;
  readonly after: string | null;
  readonly paths: readonly string[];
}

/** An event read by the server in the list's words (src/roster/audit-words.ts). */
export interface EventWords {
  readonly title: string;
  readonly changes: readonly ChangeInWords[];
  readonly facts: readonly { readonly label: string; readonly text: string }[];
}

export interface AuditEvent {
  readonly id: number;
  readonly seq: number;
  readonly time: string;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | null; readonly name: string | null } | null;
  readonly changes: readonly FieldChange[] | null;
  readonly detail: unknown;
  readonly requestId: string | null;
  readonly actor: string;
  readonly token: { readonly id: string; readonly label: string | null } | null;
  readonly idp: { readonly name: string; readonly evidence: string | null } | null;
  readonly normalisations: readonly string[] | null;
  readonly hash: string;
  readonly words: EventWords;
}

export interface AuditPage {
  readonly events: readonly AuditEvent[];
  readonly next: number | null;
}

export interface AuditFilter {
  readonly action?: string;
  /** A person's name, email, identifier or id. */
  readonly person?: string;
  /** Exactly this person's events (their credentials' and card prints' included). */
  readonly personId?: string;
  /** One event by its number. */
  readonly event?: number;
  readonly idp?: string;
  readonly since?: string;
  readonly until?: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBad?: { readonly seq: number; readonly id: string | null; readonly reason: string };
}

export interface RequestLogEntry {
  readonly id: number;
  readonly time: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly userAgent: string | null;
  readonly tokenLabel: string | null;
  readonly idp: string | null;
  readonly requestBody: string | null;
  readonly responseBody: string | null;
}

export type FieldType = 'text' | 'number' | 'email' | 'phone' | 'date' | 'boolean' | 'dropdown' | 'reference';
export const FIELD_TYPES: readonly FieldType[] = ['text', 'number', 'email', 'phone', 'date', 'boolean', 'dropdown', 'reference'];

export interface RosterField {
  readonly key: string;
  readonly label: string;
  readonly type: FieldType;
  readonly options?: readonly string[];
  readonly required: boolean;
  readonly unique: boolean;
}

/** What PATCH /lists/{id}/fields/{key} may change (roster-service updateField). */
export interface FieldChanges {
  readonly label?: string;
  readonly required?: boolean;
  readonly options?: readonly string[];
}

/** One refused row of a CSV import: the row number (the header is row 1), where, and why. */
export interface ImportRowError {
  readonly row: number;
  readonly column?: string;
  readonly value?: string;
  readonly problem: string;
}

/** What a CSV import did, or with dryRun would do (src/lists/import-service.ts). */
export interface ImportReport {
  readonly dryRun: boolean;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly ImportRowError[];
}

export type Transform = 'copy' | 'trim' | 'lower' | 'upper' | 'template';
export const TRANSFORMS: readonly Transform[] = ['copy', 'trim', 'lower', 'upper', 'template'];

export interface MappingEntry {
  readonly source?: string;
  readonly field: string;
  readonly transform?: Transform;
  readonly template?: string;
}

export interface ReceivedAttribute {
  readonly path: string;
  readonly count: number;
  readonly sample: unknown;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly mapped: boolean;
}

export interface SyncProblem {
  readonly field: string;
  readonly value: unknown;
  readonly problem: string;
}

export interface Derived {
  readonly values: Readonly<Record<string, unknown>>;
  readonly problems: readonly SyncProblem[];
}

export interface Job {
  readonly id: string;
  readonly kind: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed' | string;
  readonly total: number;
  readonly done: number;
  readonly percent: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly result: unknown;
  /** Progress saved so far, if the server exposes it for a running job (Entra runs). */
  readonly progress?: unknown;
  readonly error: string | null;
}

/** The summary an Entra sync run saves as its progress and result (src/sync/entra-sync.ts, RunState). */
export interface EntraRunResult {
  readonly phase?: string;
  readonly full?: boolean;
  readonly pages?: number;
  readonly created?: number;
  readonly updated?: number;
  readonly deactivated?: number;
  readonly unchanged?: number;
  readonly failed?: number;
  readonly retries?: number;
  readonly resyncs?: number;
  readonly errors?: readonly string[];
  /** What the run did, in words (runs before issue 13 have none). */
  readonly notes?: readonly string[];
}

export interface LastOperation {
  readonly action: string;
  readonly time: string;
  readonly idp: string | null;
  readonly requestId: string | null;
  readonly source?: string;
}

export interface Person {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly problems: readonly SyncProblem[];
  readonly lastOperation: LastOperation | null;
  readonly created: string;
  readonly lastModified: string;
  readonly photoStatus: PhotoSummary;
  readonly credentialStatus: CredentialSummary;
}

/** `pending`: a photo waits for review; `rejected`: refused, none approved. */
export type PhotoSummary = 'none' | 'pending' | 'approved' | 'rejected';
/** The best of the person's credentials. */
export type CredentialSummary = 'none' | 'valid' | 'suspended' | 'revoked';

export interface PersonReference {
  readonly field: string;
  readonly id: string;
  readonly name: string | null;
  readonly onList: boolean;
}

export interface PersonDetail extends Person {
  readonly groups: readonly { readonly id: string; readonly displayName: string }[];
  readonly references: readonly PersonReference[];
  readonly scim: unknown;
}

export interface PeoplePage {
  readonly total: number;
  readonly offset: number;
  readonly people: readonly Person[];
  readonly counts: Counts;
}

export interface PeopleQuery {
  readonly search?: string;
  readonly status?: 'active' | 'deactivated' | '';
  readonly problems?: 'true' | 'false' | '';
  readonly photo?: 'none' | 'pending' | '';
  readonly credential?: 'none' | 'revoked' | '';
  readonly sort?: string;
  readonly order?: 'asc' | 'desc';
  readonly offset?: number;
  readonly limit?: number;
}

export type EntraSchedule = 'manual' | '15m' | 'hourly' | 'daily';

export interface EntraConnection {
  readonly connected: boolean;
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly authorityUrl?: string;
  readonly graphUrl?: string;
  readonly groupIds?: readonly string[];
  /** The chosen groups with their names (null until Graph named them). */
  readonly groups?: readonly { readonly id: string; readonly displayName: string | null }[];
  readonly schedule?: EntraSchedule;
  /** A run is queued or running. */
  readonly running?: boolean;
  /** The scheduled run is due and starts within a minute. */
  readonly nextRunDue?: boolean;
  readonly lastRunAt?: string | null;
  readonly nextRunAt?: string | null;
  readonly deltaSync?: boolean;
  readonly syncPhotos?: boolean;
  readonly peopleInScope?: number;
}

export interface EntraTestResult {
  readonly ok: boolean;
  readonly users?: number;
  readonly groups?: number;
  readonly missingPermissions: readonly string[];
  readonly error?: string;
}
