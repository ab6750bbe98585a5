/** Kysely table types. Timestamps are ISO-8601 UTC strings on both engines so they compare as text. */
import type { Generated, ColumnType } from 'kysely';

/** JSON documents: TEXT on SQLite, jsonb on PostgreSQL. Written as a JSON string, read as either. */
export type JsonColumn = ColumnType<unknown, string, string>;

export interface OrganisationTable {
  id: string;
  name: string;
  created_at: string;
  capture_approves: ColumnType<number, number | undefined, number>;
  card_ready_email: ColumnType<number, number | undefined, number>;
}

/** An organisation's colours and logo on passes issued under the installation's wallet credentials. */
export interface WalletBrandingTable {
  org_id: string;
  background_color: string | null;
  foreground_color: string | null;
  logo_url: string | null;
  /** The logo image for Apple passes: PNG at 2x, base64 (migration 024). */
  logo_png: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: string;
}

export interface ListTable {
  id: string;
  org_id: string;
  name: string;
  uid_attribute: string;
  sync_method: string;
  strict: number;
  external_id_unique: number;
  created_at: string;
  updated_at: string;
  audit_seq: ColumnType<number, number | undefined, number>;
  audit_head: ColumnType<string, string | undefined, string>;
  audit_anchor_seq: ColumnType<number, number | undefined, number>;
  audit_anchor_hash: ColumnType<string, string | undefined, string>;
  mapping_version: ColumnType<number, number | undefined, number>;
  /** 1 while the unique field is required only because it is the unique identifier (migration 029). */
  uid_required_implied: ColumnType<number, number | undefined, number>;
}

export interface TokenTable {
  id: string;
  list_id: string;
  label: string;
  /** The first characters of the secret, for recognising a token in a list; not enough to use it. */
  hint: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** The IdP this token's requests were last identified as, by strong evidence. */
  idp: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UserTable {
  seq: Generated<number>;
  id: string;
  list_id: string;
  /** The userName as given; '' (from migration 043) when it is its own key, `user_name_lc` (users-repo.ts, userNameOf). */
  user_name: string;
  user_name_lc: string;
  external_id: string | null;
  external_id_key: string | null;
  display_name: string | null;
  display_name_lc: string | null;
  employee_number_lc: string | null;
  active: number;
  /** The SCIM document; from migration 043 a person's usual `schemas` array is stored as a code (scim/schemas-code.ts). */
  data: JsonColumn;
  version: number;
  created: string;
  last_modified: string;
  /**
   * Roster fields (derived through the list's mapping, or a CSV file's), in one of two forms: a JSON
   * array by slot (field_slots; `""` for a field with no value, trailing ones cut), written from
   * migration 043 on, or a JSON object by key without the fields that have no value, written before
   * and read as long as a row holds it (roster/derivation.ts, readStoredFields). Their sync
   * problems (JSON array).
   */
  fields: string | null;
  problems: string | null;
  problem_count: ColumnType<number, number | undefined, number>;
  /**
   * Lower-cased field values, for roster search: written before migration 043 only, and NULL by
   * every write since (search reads `fields` and `user_name_lc`: store/roster-search.ts). A row
   * that still holds it is searched by it.
   */
  search: string | null;
  mapping_version: ColumnType<number, number | undefined, number>;
  /**
   * Written by versions before 2026-12-05 only (the person's last write as JSON): the audit trail
   * holds it, and RosterRepo.people reads it there. Kept, not dropped, so that a node of the
   * earlier version still serving during a rolling upgrade can write its rows; a later release
   * drops it. Every insert and update now writes null (issue 16, compact storage).
   */
  last_op: string | null;
}

export interface UserEmailTable {
  list_id: string;
  user_id: string;
  value_lc: string;
  type_lc: string | null;
  is_primary: number;
}

export interface GroupTable {
  seq: Generated<number>;
  id: string;
  list_id: string;
  display_name: string;
  display_name_lc: string;
  external_id: string | null;
  external_id_key: string | null;
  data: JsonColumn;
  version: number;
  created: string;
  last_modified: string;
}

export interface GroupMemberTable {
  list_id: string;
  group_id: string;
  member_id: string;
  member_type: string;
  /** The display name the IdP sent for this member, if any (else the member's own name is shown). */
  display: string | null;
  created: string;
}

/**
 * A long JSON text column: TEXT, or on SQLite a packed BLOB (src/store/sqlite/packed-text.ts).
 * Repositories unpack it before anything else reads it; the row types they export hold text.
 */
export type PackedText = string | Uint8Array;

export interface AuditEventTable {
  id: Generated<number>;
  list_id: string;
  seq: number;
  time: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  target_name: string | null;
  changes: PackedText;
  detail: PackedText | null;
  request_id: string | null;
  actor: string | null;
  token_id: string | null;
  token_label: string | null;
  idp: string | null;
  idp_evidence: string | null;
  normalisations: string;
  /** Hex, or the empty text: the hash of the event before it in the chain (AuditRepo.append says why). */
  prev_hash: string;
  /** Hex; on SQLite, the 32 bytes themselves (a BLOB) since issue 16's compact storage. */
  hash: string | Uint8Array;
}

/** Which people each audit event is about (migration 017): an index derived from the events, outside the chain. */
export interface AuditPeopleTable {
  list_id: string;
  person_id: string;
  seq: number;
}

export interface RequestLogTable {
  id: Generated<number>;
  time: string;
  list_id: string;
  request_id: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  user_agent: string | null;
  token_label: string | null;
  idp: string | null;
  request_body: PackedText | null;
  response_body: PackedText | null;
}

export interface AdminKeyTable {
  id: string;
  org_id: string;
  label: string;
  hint: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AdminTable {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: string;
  last_sign_in_at: string | null;
  failed_attempts: number;
  locked_until: string | null;
  /** The installation's owner: sets the installation's wallet credentials (migration 024). */
  installation_owner: ColumnType<number, number | undefined, number>;
  /** Set by `muster admins reset-password` for an owner of an organisation with passwords off (025). */
  break_glass_until: string | null;
  /** The identity provider's `iss` and `sub` of the person who signs in to this account with single sign-on (036); null until the first. */
  sso_issuer: ColumnType<string | null, string | null | undefined, string | null>;
  sso_client_id: ColumnType<string | null, string | null | undefined, string | null>;
  sso_subject: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OidcConnectionTable {
  org_id: string;
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret_enc: string;
  /** JSON array of lower-case domains. */
  allowed_domains: string;
  group_claim: string | null;
  /** JSON array of [group value, role] pairs. */
  group_roles: string;
  default_role: string | null;
  passwords_off: number;
  created_at: string;
  updated_at: string;
}

export interface OidcDomainTable {
  domain: string;
  org_id: string;
}

export interface OidcLoginTable {
  state_hash: string;
  browser_hash: string;
  org_id: string;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
}

export interface AdminSessionTable {
  id_hash: string;
  admin_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
}

export interface SecurityEventTable {
  id: Generated<number>;
  org_id: string;
  time: string;
  action: string;
  actor: string;
  target: string | null;
  detail: string | null;
  address: string | null;
}

export interface SingletonTable {
  name: string;
  created_at: string;
}

export interface CredentialTable {
  id: string;
  list_id: string;
  person_id: string;
  kind: string;
  verify_code: string;
  status: string;
  status_reason: string | null;
  created_at: string;
  updated_at: string;
  status_before: string | null;
}

export interface CredentialVerificationTable {
  id: Generated<number>;
  credential_id: string;
  list_id: string;
  at: string;
  status: string;
  user_agent: string | null;
}

export interface PhotoTable {
  id: string;
  list_id: string;
  person_id: string;
  status: string;
  source: string;
  image: Buffer;
  width: number;
  height: number;
  metrics: string;
  reject_reason: string | null;
  uploaded_by: string;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

export interface PhotoLinkTable {
  id: string;
  list_id: string;
  person_id: string;
  token_hash: string;
  expires_at: string;
  attempts_left: number;
  consent_text: string | null;
  consent_given_at: string | null;
  created_at: string;
  created_by: string;
  used_at: string | null;
  /** When the link's page was first opened (migration 023). */
  opened_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A photo campaign (migration 023, docs/campaigns.md). */
export interface CampaignTable {
  id: string;
  org_id: string;
  list_id: string;
  /** `campaign`: started by an admin; `auto`: the list's invitations of new people. */
  kind: string;
  name: string;
  /** JSON {field, value, since}: the part of the list it invites; null is everyone. */
  filter: string | null;
  /** `selecting`, `sending`, `finished`; an `auto` campaign is `on` or `off`. */
  status: string;
  link_hours: number;
  link_attempts: number;
  consent_text: string | null;
  reminder_days: number | null;
  max_reminders: ColumnType<number, number | undefined, number>;
  origin: string;
  total: ColumnType<number, number | undefined, number>;
  selected_through: ColumnType<number, number | undefined, number>;
  selection_done: ColumnType<number, number | undefined, number>;
  job_id: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  finished_at: string | null;
}

/** One person in a campaign (migration 023). */
export interface CampaignPersonTable {
  campaign_id: string;
  person_id: string;
  list_id: string;
  /** `pending`, `invited`, `no_email`, `skipped`. */
  state: string;
  email: string | null;
  message_id: string | null;
  link_id: string | null;
  added_at: string;
  invited_at: string | null;
  last_sent_at: string | null;
  sends: ColumnType<number, number | undefined, number>;
  reminders: ColumnType<number, number | undefined, number>;
  /** Why a person was skipped (deactivated, photo approved meanwhile). */
  note: string | null;
  /** Kept by triggers (migration 032): the latest message's state (`queued` while sending), and 1 once… */
  email_state: ColumnType<string | null, never, never>;
  /** …a link created since the invitation was opened, */
  opened: ColumnType<number, never, never>;
  /** …a photo was created since the invitation, */
  uploaded: ColumnType<number, never, never>;
  /** …the person has an approved photo. */
  approved: ColumnType<number, never, never>;
}

/** A campaign's totals, kept by triggers on campaign_people (migration 032). */
export interface CampaignCountsTable {
  campaign_id: string;
  people: ColumnType<number, never, never>;
  pending: ColumnType<number, never, never>;
  no_email: ColumnType<number, never, never>;
  skipped: ColumnType<number, never, never>;
  queued: ColumnType<number, never, never>;
  sent: ColumnType<number, never, never>;
  failed: ColumnType<number, never, never>;
  opened: ColumnType<number, never, never>;
  uploaded: ColumnType<number, never, never>;
  approved: ColumnType<number, never, never>;
  reminded: ColumnType<number, never, never>;
}

export interface CardTemplateTable {
  id: string;
  list_id: string;
  name: string;
  template: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

export interface PrintOutputTable {
  job_id: string;
  list_id: string;
  pdf: Buffer | null;
  pages: number;
  created_at: string;
}

export interface GoogleWalletSettingsTable {
  org_id: string;
  issuer_id: string;
  class_suffix: string;
  client_email: string;
  key_id: string;
  key_enc: string;
  token_url: string;
  api_url: string;
  logo_url: string | null;
  hero_image_url: string | null;
  background_color: string | null;
  created_at: string;
  updated_at: string;
}

export interface GoogleWalletObjectTable {
  credential_id: string;
  org_id: string;
  object_id: string;
  class_id: string;
  verify_url: string;
  remote_state: string | null;
  synced_at: string | null;
  last_error: string | null;
  cause_request_id: string | null;
  created_at: string;
  sync_lease: string | null;
}

export interface RosterFieldTable {
  list_id: string;
  key: string;
  label: string;
  type: string;
  options: string | null;
  required: number;
  is_unique: number;
  position: number;
}

/** Each field key's slot in a list's stored people (migration 043): given once, never reused nor removed. */
export interface FieldSlotTable {
  list_id: string;
  key: string;
  slot: number;
}

export interface FieldMappingTable {
  list_id: string;
  position: number;
  source: string;
  field_key: string;
  transform: string;
  template: string | null;
}

export interface SeenAttributeTable {
  list_id: string;
  path: string;
  count: number;
  sample: string | null;
  first_seen: string;
  last_seen: string;
}

export interface JobTable {
  id: string;
  list_id: string;
  kind: string;
  status: string;
  params: string;
  total: number;
  done: number;
  cursor: number;
  attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface EntraConnectionTable {
  list_id: string;
  tenant_id: string;
  client_id: string;
  secret_enc: string;
  authority_url: string;
  graph_url: string;
  group_ids: string;
  schedule: string;
  users_delta_link: string | null;
  groups_delta_link: string | null;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
  sync_photos: Generated<number>;
  /** JSON object: chosen group id → display name (migration 021); null before the names are known. */
  group_names: string | null;
}

export interface EntraPhotoCheckTable {
  list_id: string;
  person_id: string;
  checked_at: string;
  outcome: string;
}

/** A person (Graph user id) whose Entra manager (Graph user id) is not on the list yet. */
export interface EntraPendingManagerTable {
  list_id: string;
  user_id: string;
  manager_id: string;
}

export interface EntraScopeTable {
  list_id: string;
  group_id: string;
  user_id: string;
}

export interface AppleWalletSettingsTable {
  org_id: string;
  pass_type_identifier: string;
  team_identifier: string;
  organization_name: string;
  signing_enc: string;
  certificate_info: string;
  created_at: string;
  updated_at: string;
}

export interface ApplePassTable {
  credential_id: string;
  pass_type_identifier: string;
  auth_token_hash: string;
  auth_token_enc: string;
  modified_at: string;
  created_at: string;
}

export interface ApplePassRegistrationTable {
  device_library_identifier: string;
  pass_type_identifier: string;
  serial_number: string;
  push_token: string;
  created_at: string;
  updated_at: string;
}

export interface SecretKeyFingerprintTable {
  id: string;
  fingerprint: string;
  created_at: string;
  rotated_at: string | null;
}

export interface EmailMessageTable {
  id: string;
  org_id: string;
  list_id: string | null;
  person_id: string | null;
  campaign_id: string | null;
  kind: string;
  to_address: string;
  from_name: string | null;
  reply_to: string | null;
  subject: string;
  text_body: string;
  html_body: string | null;
  message_id: string;
  state: string;
  attempts: number;
  next_attempt_at: string;
  leased_by: string | null;
  lease_until: string | null;
  last_reply: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  sent_at: string | null;
}

export interface EmailSettingsTable {
  org_id: string;
  sender_name: string | null;
  reply_to: string | null;
  updated_at: string;
  updated_by: string;
}

export interface EmailTemplateTable {
  org_id: string;
  kind: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  updated_at: string;
  updated_by: string;
}

/** The transactional outbox (migration 022): domain events, in commit order by id. */
export interface OutboxEventTable {
  id: ColumnType<number, number, never>;
  org_id: string;
  seq: ColumnType<number, number, never>;
  list_id: string | null;
  type: string;
  subject: string | null;
  occurred_at: string;
  /** JSON; the empty text when `audit_seq` names the audit event it is derived from (migration 039). */
  payload: string;
  /** The list's audit event this row's payload is read from, or null when `payload` holds it. */
  audit_seq: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface OutboxHeadTable {
  id: number;
  last_id: number;
}

export interface OutboxOrgSeqTable {
  org_id: string;
  seq: number;
  pruned_through: ColumnType<number, number | undefined, number>;
}

export interface OutboxConsumerTable {
  name: string;
  last_id: number;
  locked_by: string | null;
  locked_until: string | null;
  updated_at: string;
}

/** Events each in-process consumer has handled (migration 022b): idempotence by event id. */
export interface OutboxProcessedTable {
  consumer: string;
  event_id: number;
  processed_at: string;
}

/** Webhooks (migration 026). */
export interface WebhookEndpointTable {
  id: string;
  org_id: string;
  url: string;
  description: string;
  /** JSON array of event types; NULL: every type. */
  event_types: string | null;
  enabled: number;
  paused_at: string | null;
  paused_reason: string | null;
  failing_since: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  start_id: ColumnType<number, number, number>;
  created_at: string;
  updated_at: string;
}

export interface WebhookSecretTable {
  id: string;
  endpoint_id: string;
  secret_enc: string;
  created_at: string;
  expires_at: string | null;
}

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  org_id: string;
  event_id: number | null;
  event_type: string;
  order_key: string;
  body: string | null;
  state: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  first_attempt_at: string | null;
  locked_by: string | null;
  locked_until: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  settled_at: string | null;
}

export interface WebhookAttemptTable {
  id: string;
  delivery_id: string;
  endpoint_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status: number | null;
  error: string | null;
  response_excerpt: string | null;
}

export interface WebhookCursorTable {
  id: number;
  last_id: number;
}

/** Migration 031: a token bucket shared by every node (src/store/limits-repo.ts). */
export interface RateBucketTable {
  scope: string;
  key: string;
  tokens: number;
  at: number;
  granted: number;
}

/** Migration 031: failed sign-ins per (account email, client address) and when the pair may try again. */
export interface SignInBackoffTable {
  email: string;
  address: string;
  failures: number;
  next_at: number;
  updated_at: number;
}

export interface Database {
  rate_buckets: RateBucketTable;
  sign_in_backoff: SignInBackoffTable;
  outbox_processed: OutboxProcessedTable;
  outbox_events: OutboxEventTable;
  outbox_head: OutboxHeadTable;
  outbox_org_seq: OutboxOrgSeqTable;
  outbox_consumers: OutboxConsumerTable;
  oidc_connections: OidcConnectionTable;
  oidc_domains: OidcDomainTable;
  oidc_logins: OidcLoginTable;
  email_messages: EmailMessageTable;
  email_settings: EmailSettingsTable;
  email_templates: EmailTemplateTable;
  secret_key_fingerprints: SecretKeyFingerprintTable;
  apple_wallet_settings: AppleWalletSettingsTable;
  installation_apple_wallet: AppleWalletSettingsTable;
  installation_google_wallet: GoogleWalletSettingsTable;
  wallet_branding: WalletBrandingTable;
  apple_passes: ApplePassTable;
  apple_pass_registrations: ApplePassRegistrationTable;
  entra_connections: EntraConnectionTable;
  entra_scope: EntraScopeTable;
  entra_photo_checks: EntraPhotoCheckTable;
  entra_pending_managers: EntraPendingManagerTable;
  roster_fields: RosterFieldTable;
  field_mappings: FieldMappingTable;
  field_slots: FieldSlotTable;
  seen_attributes: SeenAttributeTable;
  jobs: JobTable;
  audit_events: AuditEventTable;
  audit_people: AuditPeopleTable;
  request_log: RequestLogTable;
  admin_keys: AdminKeyTable;
  admins: AdminTable;
  credentials: CredentialTable;
  singletons: SingletonTable;
  security_events: SecurityEventTable;
  photos: PhotoTable;
  card_templates: CardTemplateTable;
  print_outputs: PrintOutputTable;
  photo_links: PhotoLinkTable;
  campaigns: CampaignTable;
  campaign_people: CampaignPersonTable;
  campaign_counts: CampaignCountsTable;
  credential_verifications: CredentialVerificationTable;
  google_wallet_settings: GoogleWalletSettingsTable;
  google_wallet_objects: GoogleWalletObjectTable;
  admin_sessions: AdminSessionTable;
  organisations: OrganisationTable;
  lists: ListTable;
  tokens: TokenTable;
  users: UserTable;
  user_emails: UserEmailTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_secrets: WebhookSecretTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  webhook_cursor: WebhookCursorTable;
  list_counts: ListCountTable;
  paging_keys: PagingKeyTable;
}

/** Users and groups per list, kept by triggers (migration 027): totalResults without count(*). */
export interface ListCountTable {
  list_id: string;
  user_count: ColumnType<number | string, number | undefined, number>;
  group_count: ColumnType<number | string, number | undefined, number>;
}

/** The HMAC key of RFC 9865 cursors, shared by every node (migration 027). */
export interface PagingKeyTable {
  id: string;
  secret: string;
  created_at: string;
}
