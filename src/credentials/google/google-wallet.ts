/**
 * Google Wallet passes as credentials (kind `google_pass`), per organisation's issuer account.
 *
 * - Settings: the issuer id and the service account key, sealed with MUSTER_SECRET_KEY; the API
 *   shows only the key's metadata. Google's endpoints only, unless the server allows others.
 * - Issue: in the issuing transaction a row names the Google object (`issuerId.credentialId`) and
 *   a job is queued; after the commit the admin route also syncs at once, so the answer carries a
 *   working "Save to Google Wallet" link (the job then finds nothing left to do).
 * - Revocation: every status change of a google_pass queues a job in the same transaction (the
 *   person's deactivation, an admin's action); the job PATCHes the object's state — EXPIRED
 *   unless the credential is valid — after the commit, retrying until Google has it.
 *
 * The job reads the credential's status when it runs rather than carrying a target state, so
 * jobs that run late, twice or out of order still leave Google with the current state.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import { lockListsOf, type AuditTrail, type RequestMeta } from '../../audit/audit-trail.js';
import { CredentialError, holderName, type CredentialKindHooks } from '../credential-service.js';
import { RetryLater } from '../../jobs/job-runner.js';
import type { AuditAction } from '../../roster/audit.js';
import { readStoredFields } from '../../roster/derivation.js';
import { INSTALLATION, type CredentialRow, type GoogleWalletObjectRow, type GoogleWalletSettingsRow, type JobRow, type Repos, type Store } from '../../store/index.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { GoogleAccessTokens } from './access-tokens.js';
import { genericClass, genericObject, stateFor, type GoogleObjectState } from './generic-pass.js';
import { saveUrl } from './save-link.js';
import { GOOGLE_TOKEN_URL, parseServiceAccountKey, ServiceAccountKeyError } from './service-account-key.js';
import { GoogleWalletClient, GoogleWalletError, type WalletClientOptions, type WalletEndpoint } from './wallet-client.js';

export const GOOGLE_WALLET_JOB = 'google-wallet-sync';
export const GOOGLE_WALLET_API_URL = 'https://walletobjects.googleapis.com/walletobjects/v1';
const DEFAULT_CLASS_SUFFIX = 'muster-id';
/** How long a node may push one pass before another may take over (a PATCH with retries fits well within it). */
const SYNC_LEASE_MS = 90_000;

/** Another node holds the pass's sync lease. */
class SyncBusy extends Error {
  constructor() {
    super('another node is updating this pass at Google');
    this.name = 'SyncBusy';
  }
}

/** 2 s doubling to the 1 h cap: about two days of tries. */
const MAX_ATTEMPTS = 60;
const MAX_BACKOFF_MS = 3_600_000;

export class WalletSettingsError extends Error {
  constructor(readonly status: 400 | 404, readonly code: string, message: string) {
    super(message);
    this.name = 'WalletSettingsError';
  }
}

export interface GoogleWalletOptions {
  /** MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: settings may name other token and API URLs. */
  readonly allowCustomEndpoints?: boolean;
  readonly client?: WalletClientOptions;
}

export interface GooglePassInfo {
  readonly objectId: string;
  readonly classId: string;
  /** The object's state as Google last confirmed it; null until the object exists at Google. */
  readonly state: string | null;
  readonly syncedAt: string | null;
  readonly lastError: string | null;
  /** "Save to Google Wallet" while the credential is valid. */
  readonly saveUrl: string | null;
}

type SyncOutcome = 'created' | 'updated' | 'unchanged' | 'gone';
const now = () => new Date().toISOString();
const SETTINGS_PROPS = ['issuerId', 'serviceAccountKey', 'classSuffix', 'tokenUrl', 'apiUrl', 'logoUrl', 'heroImageUrl', 'backgroundColor'];

export class GoogleWallet {
  private readonly client: GoogleWalletClient;
  private readonly tokens = new GoogleAccessTokens();
  /** Classes known to exist at Google (per API URL): "ensure the class" costs one GET per process. */
  private readonly knownClasses = new Set<string>();
  /** One sync per credential at a time in this process (the quick and the main job loop, the issuing request). */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly secrets: () => SecretBox,
    private readonly log: Logger,
    private readonly opts: GoogleWalletOptions = {},
  ) {
    this.client = new GoogleWalletClient(this.tokens, opts.client);
  }

  /** The google_pass kind's lifecycle hooks for CredentialService (run inside its transactions). */
  hooks(): CredentialKindHooks {
    return {
      onIssued: async (tx, list, c, meta, origin) => {
        // The organisation's own issuer account, else the installation's (issue 14, item 4).
        const s = (await tx.googleWallet.settings(list.orgId)) ?? (await tx.googleWallet.settings(INSTALLATION));
        if (!s) throw new CredentialError(409, 'google_wallet_not_configured', 'Google Wallet is not set up for your organisation nor for this installation: set it up first (PUT /api/v1/google-wallet with the issuer id and the service account key)');
        await tx.googleWallet.insertObject({
          credential_id: c.id, org_id: list.orgId, object_id: `${s.issuer_id}.${c.id}`, class_id: `${s.issuer_id}.${s.class_suffix}`,
          verify_url: `${origin}/v/${c.verify_code}`, remote_state: null, synced_at: null, last_error: null, cause_request_id: meta.requestId ?? null, created_at: now(),
        });
        await this.enqueue(tx, c, meta);
      },
      onStatusChanged: async (tx, c, _to, meta) => {
        await tx.googleWallet.setCause(c.id, meta.requestId ?? null);
        await this.enqueue(tx, c, meta);
      },
      onContentChanged: async (tx, c, meta) => {
        await this.enqueue(tx, c, meta, true);
      },
    };
  }

  /** `refresh`: the holder's roster data changed, so the object's text is rewritten too. */
  private async enqueue(tx: Repos, c: CredentialRow, meta: RequestMeta, refresh = false): Promise<void> {
    await tx.roster.enqueue({ id: randomUUID(), listId: c.list_id, kind: GOOGLE_WALLET_JOB, params: { credentialId: c.id, requestId: meta.requestId ?? null, ...(refresh ? { refresh } : {}) }, total: 1, now: now() });
  }

  // ---- settings

  async configure(orgId: string, b: Record<string, unknown>, meta: RequestMeta): Promise<ReturnType<GoogleWallet['view']>> {
    const unknown = Object.keys(b).filter((k) => !SETTINGS_PROPS.includes(k));
    if (unknown.length) throw new WalletSettingsError(400, 'invalid_body', `unknown properties: ${unknown.join(', ')}; send ${SETTINGS_PROPS.join(', ')}`);
    const issuerId = typeof b.issuerId === 'number' ? String(b.issuerId) : b.issuerId;
    if (typeof issuerId !== 'string' || !/^\d{4,25}$/.test(issuerId)) throw new WalletSettingsError(400, 'invalid_body', 'issuerId must be your Google Wallet issuer id (digits, from the Google Pay & Wallet Console)');
    let key;
    try {
      key = parseServiceAccountKey(b.serviceAccountKey);
    } catch (err) {
      if (err instanceof ServiceAccountKeyError) throw new WalletSettingsError(400, 'invalid_service_account_key', err.message);
      throw err;
    }
    const classSuffix = b.classSuffix === undefined ? DEFAULT_CLASS_SUFFIX : b.classSuffix;
    if (typeof classSuffix !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(classSuffix)) throw new WalletSettingsError(400, 'invalid_body', 'classSuffix may hold letters, digits, ".", "_" and "-" (at most 64)');
    const tokenUrl = this.endpointUrl(b.tokenUrl ?? key.tokenUri, 'tokenUrl (or the key\'s token_uri)', GOOGLE_TOKEN_URL);
    const apiUrl = this.endpointUrl(b.apiUrl ?? GOOGLE_WALLET_API_URL, 'apiUrl', GOOGLE_WALLET_API_URL);
    const image = (v: unknown, name: string): string | null => {
      if (v === undefined || v === null || v === '') return null;
      // Google fetches pass images itself, over HTTPS (Image.sourceUri).
      if (typeof v !== 'string' || !/^https:\/\/[^\s]+$/.test(v)) throw new WalletSettingsError(400, 'invalid_body', `${name} must be an https URL Google can fetch`);
      return v;
    };
    const color = b.backgroundColor ?? null;
    if (color !== null && (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color))) throw new WalletSettingsError(400, 'invalid_body', 'backgroundColor must be #rrggbb');
    const t = now();
    const old = await this.store.googleWallet.settings(orgId);
    const row: GoogleWalletSettingsRow = {
      org_id: orgId, issuer_id: issuerId, class_suffix: classSuffix, client_email: key.clientEmail, key_id: key.privateKeyId,
      key_enc: this.secrets().seal(JSON.stringify(typeof b.serviceAccountKey === 'string' ? JSON.parse(b.serviceAccountKey) : b.serviceAccountKey)),
      token_url: tokenUrl, api_url: apiUrl, logo_url: image(b.logoUrl, 'logoUrl'), hero_image_url: image(b.heroImageUrl, 'heroImageUrl'),
      background_color: color as string | null, created_at: old?.created_at ?? t, updated_at: t,
    };
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      await tx.googleWallet.saveSettings(row);
      await this.recordOrg(tx, orgId, 'google_wallet.configured', {
        issuerId, classId: `${issuerId}.${classSuffix}`, clientEmail: key.clientEmail, keyId: key.privateKeyId, tokenUrl, apiUrl,
        ...(old ? { previousKeyId: old.key_id, previousIssuerId: old.issuer_id } : {}),
      }, meta);
    });
    return this.view(orgId);
  }

  /** Google's URL, or — only when the server allows custom endpoints — any http(s) URL. */
  private endpointUrl(v: unknown, name: string, google: string): string {
    if (typeof v !== 'string') throw new WalletSettingsError(400, 'invalid_body', `${name} must be a URL`);
    const url = v.replace(/\/+$/, '');
    if (url === google) return url;
    if (!this.opts.allowCustomEndpoints) {
      throw new WalletSettingsError(400, 'invalid_endpoint', `${name} must be ${google}; other endpoints need MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS=true on the server`);
    }
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw new WalletSettingsError(400, 'invalid_endpoint', `${name} must be an http(s) URL`);
    }
    return url;
  }

  /** The settings as the API shows them: never the key, only what identifies it. */
  async view(orgId: string) {
    const s = await this.store.googleWallet.settings(orgId);
    // Whose issuer account the organisation's passes use: its own, the installation's, or none.
    const source = s ? 'organisation' as const : (orgId !== INSTALLATION && (await this.store.googleWallet.settings(INSTALLATION))) ? 'installation' as const : null;
    const scope = orgId === INSTALLATION ? {} : { source };
    if (!s) return { configured: false as const, ...scope };
    return {
      configured: true as const, ...scope, issuerId: s.issuer_id, classSuffix: s.class_suffix, classId: `${s.issuer_id}.${s.class_suffix}`,
      serviceAccount: { clientEmail: s.client_email, keyId: s.key_id, privateKey: '(stored encrypted; never shown)' },
      tokenUrl: s.token_url, apiUrl: s.api_url, logoUrl: s.logo_url, heroImageUrl: s.hero_image_url, backgroundColor: s.background_color,
      createdAt: s.created_at, updatedAt: s.updated_at,
    };
  }

  async remove(orgId: string, meta: RequestMeta): Promise<void> {
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      if (!(await tx.googleWallet.removeSettings(orgId))) throw new WalletSettingsError(404, 'not_found', 'Google Wallet is not set up for your organisation');
      await this.recordOrg(tx, orgId, 'google_wallet.removed', {}, meta);
    });
  }

  /** Settings belong to the organisation; each of its lists' trails records the change. */
  private async recordOrg(tx: Repos, orgId: string, action: AuditAction, detail: Record<string, unknown>, meta: RequestMeta): Promise<void> {
    for (const l of await tx.lists.all(orgId)) await this.audit.record(tx, l.id, { action, target: { type: 'list', id: l.id, name: l.name }, detail }, meta);
  }

  // ---- passes

  /** What the API adds to a google_pass credential: the object, its state at Google, the save link. */
  async passInfo(c: CredentialRow, origin: string): Promise<GooglePassInfo | undefined> {
    const o = await this.store.googleWallet.object(c.id);
    if (!o) return undefined;
    let link: string | null = null;
    if (c.status === 'valid') {
      const ep = await this.endpoint(o.org_id, o.class_id).catch(() => undefined);
      if (ep) link = saveUrl(ep.key, { id: o.object_id, classId: o.class_id }, origin);
    }
    return { objectId: o.object_id, classId: o.class_id, state: o.remote_state, syncedAt: o.synced_at, lastError: o.last_error, saveUrl: link };
  }

  /** Right after an issue: brings Google up to date now; a failure is recorded and left to the job. */
  async syncNow(credentialId: string, meta: RequestMeta): Promise<void> {
    try {
      await this.sync(credentialId, { actor: 'system', ...(meta.requestId ? { requestId: meta.requestId } : {}) });
    } catch (err) {
      if (err instanceof SyncBusy) return; // the node holding the lease brings Google up to date
      await this.failed(credentialId, err, { actor: 'system', ...(meta.requestId ? { requestId: meta.requestId } : {}) }, undefined);
    }
  }

  /** The job handler: done, or RetryLater with backoff (Retry-After when Google sent a longer one). */
  async runJob(job: JobRow): Promise<unknown> {
    const p = JSON.parse(job.params) as { credentialId: string; requestId?: string | null; refresh?: boolean };
    const meta: RequestMeta = { actor: 'system', ...(p.requestId ? { requestId: p.requestId } : {}) };
    try {
      return { outcome: await this.sync(p.credentialId, meta, p.refresh === true) };
    } catch (err) {
      if (err instanceof SyncBusy) throw new RetryLater(1000, err.message);
      const attempts = Number(job.attempts);
      // Google said no for a reason retrying cannot fix (a bad request, no permission for the
      // issuer), or it has failed for about two days: stop, say so in the audit trail, and fail
      // the job so the admin sees it; the next status change queues a new one.
      if ((err instanceof GoogleWalletError && !err.retryable) || attempts >= MAX_ATTEMPTS) {
        await this.failed(p.credentialId, err, meta, { attempt: attempts, final: 1 });
        throw err instanceof Error ? err : new Error(String(err));
      }
      const backoff = Math.min(2000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
      const delay = Math.max(err instanceof GoogleWalletError ? (err.retryAfterMs ?? 0) : 0, backoff);
      await this.failed(p.credentialId, err, meta, { attempt: attempts, retryInSeconds: Math.round(delay / 1000) });
      throw new RetryLater(delay, err instanceof Error ? err.message : String(err));
    }
  }

  private async failed(credentialId: string, err: unknown, meta: RequestMeta, retry: Record<string, number> | undefined): Promise<void> {
    const e = err instanceof GoogleWalletError ? err : undefined;
    if (!e) this.log.error('google wallet sync failed', { credentialId, err: err instanceof Error ? err.stack : String(err) });
    const message = e ? `${e.httpStatus} ${e.status}: ${e.message}` : String(err);
    await this.store.googleWallet.synced(credentialId, { last_error: message.slice(0, 500) });
    const c = await this.store.credentials.get(credentialId);
    if (c) {
      await this.record(c, 'credential.google_update_failed', {
        ...(e ? { httpStatus: e.httpStatus, googleStatus: e.status } : {}), error: message.slice(0, 500), ...(retry ?? { retry: 'queued job' }),
      }, meta);
    }
  }

  /**
   * The issuer account an object belongs to: the organisation's own, else the installation's.
   * Given the object's class, only the account whose issuer made it: an object created under the
   * installation's issuer stays there after the organisation sets up its own, and the other way round.
   */
  private async settingsFor(orgId: string, classId?: string): Promise<GoogleWalletSettingsRow | undefined> {
    const issuerOf = (id: string) => id.slice(0, id.indexOf('.'));
    const own = await this.store.googleWallet.settings(orgId);
    if (own && (classId === undefined || own.issuer_id === issuerOf(classId))) return own;
    const shared = await this.store.googleWallet.settings(INSTALLATION);
    if (shared && (classId === undefined ? !own : shared.issuer_id === issuerOf(classId))) return shared;
    return undefined;
  }

  private async endpoint(orgId: string, classId?: string): Promise<WalletEndpoint> {
    const s = await this.settingsFor(orgId, classId);
    if (!s) throw new GoogleWalletError(0, 'NOT_CONFIGURED', 'Google Wallet is no longer set up for this organisation; the pass cannot be updated until it is', true);
    return { key: parseServiceAccountKey(this.secrets().open(s.key_enc)), tokenUrl: s.token_url, apiUrl: s.api_url };
  }

  /**
   * Pushes the credential's current status to its Google object; creates the object when Google
   * has none. Re-reads the status afterwards and goes again if it changed meanwhile.
   */
  private sync(credentialId: string, meta: RequestMeta, refresh = false): Promise<SyncOutcome> {
    const prev = this.inFlight.get(credentialId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.syncOnce(credentialId, meta, refresh));
    this.inFlight.set(credentialId, next);
    void next.catch(() => undefined).finally(() => {
      if (this.inFlight.get(credentialId) === next) this.inFlight.delete(credentialId);
    });
    return next;
  }

  private async syncOnce(credentialId: string, meta: RequestMeta, refresh = false): Promise<SyncOutcome> {
    const t = Date.now();
    if (!(await this.store.googleWallet.claimSync(credentialId, new Date(t).toISOString(), new Date(t + SYNC_LEASE_MS).toISOString()))) {
      // Another node is pushing this pass; it re-reads the status after its PATCH, so it ends on the latest one.
      if (!(await this.store.googleWallet.object(credentialId))) return 'gone';
      throw new SyncBusy();
    }
    try {
      const outcome = await this.syncLeased(credentialId, meta);
      if (!refresh || outcome === 'created' || outcome === 'gone') return outcome;
      return (await this.rewrite(credentialId, meta)) ?? outcome;
    } finally {
      await this.store.googleWallet.releaseSync(credentialId);
    }
  }

  private async syncLeased(credentialId: string, meta: RequestMeta): Promise<SyncOutcome> {
    let outcome: SyncOutcome = 'unchanged';
    for (let round = 0; round < 3; round++) {
      const c = await this.store.credentials.get(credentialId);
      const o = await this.store.googleWallet.object(credentialId);
      if (!c || !o) return 'gone';
      const desired = stateFor(c.status);
      if (o.remote_state === desired) return outcome;
      const ep = await this.endpoint(o.org_id, o.class_id);
      // Attributed to the request behind the latest status change, whichever job gets here first.
      meta = { actor: meta.actor, ...(o.cause_request_id ? { requestId: o.cause_request_id } : {}) };
      let step: SyncOutcome;
      if (o.remote_state === null) {
        step = await this.create(ep, c, o, desired);
      } else {
        try {
          await this.client.patch(ep, 'genericObject', o.object_id, { state: desired });
          step = 'updated';
        } catch (err) {
          // Gone at Google (deleted by hand, another issuer): make it again, in the right state.
          if (!(err instanceof GoogleWalletError && err.httpStatus === 404)) throw err;
          step = await this.create(ep, c, o, desired);
        }
      }
      await this.store.googleWallet.synced(credentialId, { remote_state: desired, synced_at: now(), last_error: null });
      if (step === 'created') await this.record(c, 'credential.google_object_created', { objectId: o.object_id, classId: o.class_id, state: desired }, meta);
      if (step === 'updated') await this.record(c, 'credential.google_object_updated', { objectId: o.object_id, state: desired }, meta, [{ field: 'google.state', before: o.remote_state, after: desired }]);
      if (step !== 'unchanged') outcome = step;
    }
    return outcome;
  }

  /** Rewrites the object's text from the holder's current roster data (its state is left as synced). */
  private async rewrite(credentialId: string, meta: RequestMeta): Promise<SyncOutcome | undefined> {
    const c = await this.store.credentials.get(credentialId);
    const o = await this.store.googleWallet.object(credentialId);
    if (!c || !o || o.remote_state === null) return undefined;
    const ep = await this.endpoint(o.org_id, o.class_id);
    const { id: _id, classId: _classId, state: _state, ...content } = await this.objectBody(c, o, o.remote_state as GoogleObjectState);
    await this.client.patch(ep, 'genericObject', o.object_id, content);
    await this.store.googleWallet.synced(credentialId, { synced_at: now(), last_error: null });
    await this.record(c, 'credential.google_object_updated', { objectId: o.object_id, content: 'rewritten from the roster' }, meta);
    return 'updated';
  }

  private async objectBody(c: CredentialRow, o: GoogleWalletObjectRow, state: GoogleObjectState) {
    const [list, person, own, branding] = await Promise.all([
      this.store.lists.get(c.list_id), this.store.users.get(c.list_id, c.person_id), this.store.googleWallet.settings(o.org_id), this.store.googleWallet.branding(o.org_id),
    ]);
    // The organisation's look: its branding first, then what its own issuer settings name.
    const look = { logo_url: branding?.logo_url ?? own?.logo_url ?? null, hero_image_url: own?.hero_image_url ?? null, background_color: branding?.background_color ?? own?.background_color ?? null };
    const org = list ? await this.store.lists.organisation(list.orgId) : undefined;
    const fields = person ? readStoredFields(person.storedFields, await this.store.roster.slots(c.list_id)) : {};
    const data = person?.data ?? {};
    const ent = (data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] ?? {}) as Record<string, unknown>;
    const str = (...vs: unknown[]) => vs.find((v): v is string => typeof v === 'string' && v.trim() !== '')?.trim();
    const details = [
      { id: 'department', header: 'Department', body: str(fields.department, ent.department) },
      { id: 'employee_number', header: 'Employee number', body: str(fields.employee_number, ent.employeeNumber) },
    ].filter((d): d is { id: string; header: string; body: string } => d.body !== undefined);
    const body = genericObject({
      objectId: o.object_id, classId: o.class_id, state, organisation: org?.name ?? '', holder: person ? holderName(data) : 'Unknown',
      jobTitle: str(fields.job_title, data.title), details, verifyUrl: o.verify_url,
      logoUrl: look.logo_url, heroImageUrl: look.hero_image_url, backgroundColor: look.background_color,
    });
    return body;
  }

  private async create(ep: WalletEndpoint, c: CredentialRow, o: GoogleWalletObjectRow, state: GoogleObjectState): Promise<SyncOutcome> {
    await this.ensureClass(ep, o.class_id);
    const body = await this.objectBody(c, o, state);
    try {
      await this.client.insert(ep, 'genericObject', body);
      return 'created';
    } catch (err) {
      if (!(err instanceof GoogleWalletError && err.httpStatus === 409)) throw err;
      // Inserted meanwhile (the issuing request and the job raced): just make its state right.
      const remote = await this.client.get(ep, 'genericObject', o.object_id);
      if (remote?.state === state) return 'unchanged';
      await this.client.patch(ep, 'genericObject', o.object_id, { state });
      return 'updated';
    }
  }

  /** GET class → 404 → insert (409: someone else just did). */
  private async ensureClass(ep: WalletEndpoint, classId: string): Promise<void> {
    const k = `${ep.apiUrl} ${classId}`;
    if (this.knownClasses.has(k)) return;
    if (!(await this.client.get(ep, 'genericClass', classId))) {
      try {
        await this.client.insert(ep, 'genericClass', genericClass(classId));
      } catch (err) {
        if (!(err instanceof GoogleWalletError && err.httpStatus === 409)) throw err;
      }
    }
    this.knownClasses.add(k);
  }

  private async record(c: CredentialRow, action: AuditAction, detail: Record<string, unknown>, meta: RequestMeta, changes?: { field: string; before: unknown; after: unknown }[]): Promise<void> {
    await this.store.transaction(async (tx) => {
      const person = await tx.users.get(c.list_id, c.person_id);
      await this.audit.record(tx, c.list_id, {
        action, target: { type: 'credential', id: c.id, name: person ? holderName(person.data) : null },
        ...(changes ? { changes } : {}), detail: { kind: c.kind, personId: c.person_id, ...detail },
      }, meta);
    });
  }
}
