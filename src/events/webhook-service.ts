/**
 * Managing an organisation's webhook endpoints (docs/webhooks.md): add, change, remove, pause
 * and resume, rotate the signing secret, send a test, list deliveries with their attempts, replay.
 * Secrets are generated here, shown once, and stored sealed with the installation's key.
 */
import { randomUUID } from 'node:crypto';
import { HELD_UNTIL, type AccountContext, type Store, type WebhookAttemptRow, type WebhookDeliveryRow, type WebhookDeliveryState, type WebhookEndpointRow, type WebhookSecurityAction } from '../store/index.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { AddressRefused, type AddressPolicy } from './address-policy.js';
import { EVENT_TYPES, isEventType, type EventType } from './types.js';
import { WEBHOOK_TEST_EVENT } from './webhook-dispatcher.js';
import { newWebhookSecret } from './webhook-signature.js';

export class WebhookError extends Error {
  constructor(readonly status: 400 | 404 | 409, readonly code: string, message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  /** null: every event type, present and future. */
  readonly eventTypes: readonly string[] | null;
  readonly enabled: boolean;
  /** Paused by Muster after failing for too long: when, and why. */
  readonly pausedAt: string | null;
  readonly pausedReason: string | null;
  readonly failingSince: string | null;
  readonly pending: number;
  readonly failed: number;
  /** A rotated secret still signing beside the new one, until this time. */
  readonly previousSecretExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WebhookAttemptView {
  readonly attempt: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly responseExcerpt: string | null;
}

export interface WebhookDeliveryView {
  readonly id: string;
  readonly eventId: number | null;
  readonly eventType: string;
  readonly subject: string | null;
  readonly state: WebhookDeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly settledAt: string | null;
  readonly attemptLog: readonly WebhookAttemptView[];
}

const MAX_URL = 2000;
const MAX_DESCRIPTION = 200;
const MAX_GRACE_HOURS = 7 * 24;
const ENDPOINT_FIELDS = new Set(['url', 'description', 'eventTypes', 'enabled']);

const attemptView = (a: WebhookAttemptRow): WebhookAttemptView => ({
  attempt: Number(a.attempt), startedAt: a.started_at, durationMs: Number(a.duration_ms), status: a.status === null ? null : Number(a.status), error: a.error, responseExcerpt: a.response_excerpt,
});

/** The organisation's security log, as this service writes to it (AdminAccounts.log in the app). */
export interface WebhookSecurityLog {
  log(orgId: string, action: WebhookSecurityAction, who: AccountContext, target: string | null, detail?: Record<string, unknown>): Promise<void>;
}

/** An endpoint's subscribed event types; null: every type, present and future. */
const typesOf = (r: Pick<WebhookEndpointRow, 'event_types'>): string[] | null => (r.event_types === null ? null : JSON.parse(r.event_types) as string[]);

export class WebhookService {
  constructor(
    private readonly store: Store,
    private readonly secretBox: () => SecretBox,
    private readonly policy: AddressPolicy,
    /** Starts delivery at once on this node (a test ping, a replay, a resume). */
    private readonly nudge: () => void,
    /** The organisation's security log: endpoints added, changed, removed, resumed and secrets rotated, by whom. */
    private readonly security: WebhookSecurityLog | undefined = undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The event types an endpoint can subscribe to, with their one-line meanings. */
  eventTypes(): { type: string; meaning: string }[] {
    return Object.entries(EVENT_TYPES).map(([type, meaning]) => ({ type, meaning }));
  }

  async list(orgId: string): Promise<WebhookEndpointView[]> {
    const rows = await this.store.webhooks.endpoints(orgId);
    const counts = await this.store.webhooks.counts(orgId);
    const out: WebhookEndpointView[] = [];
    for (const r of rows) out.push(await this.view(r, counts.get(r.id)));
    return out;
  }

  async get(orgId: string, id: string): Promise<WebhookEndpointView> {
    const r = await this.endpoint(orgId, id);
    return this.view(r, (await this.store.webhooks.counts(orgId)).get(r.id));
  }

  private async view(r: WebhookEndpointRow, counts: { pending: number; failed: number } | undefined): Promise<WebhookEndpointView> {
    const secrets = await this.store.webhooks.liveSecrets(r.id, this.now().toISOString());
    const previous = secrets.find((s) => s.expires_at !== null);
    return {
      id: r.id, url: r.url, description: r.description, eventTypes: typesOf(r),
      enabled: Number(r.enabled) === 1, pausedAt: r.paused_at, pausedReason: r.paused_reason, failingSince: r.failing_since,
      pending: counts?.pending ?? 0, failed: counts?.failed ?? 0, previousSecretExpiresAt: previous?.expires_at ?? null, createdAt: r.created_at, updatedAt: r.updated_at,
    };
  }

  private async endpoint(orgId: string, id: string): Promise<WebhookEndpointRow> {
    const r = await this.store.webhooks.endpoint(orgId, id);
    if (!r) throw new WebhookError(404, 'not_found', `no webhook endpoint "${id}" in your organisation`);
    return r;
  }

  /** Checks a URL an admin gives: http or https, no credentials in it, not a refused address literal. */
  private checkUrl(raw: unknown): string {
    if (typeof raw !== 'string' || !raw.trim() || raw.length > MAX_URL) throw new WebhookError(400, 'invalid_body', `url must be an http or https URL of up to ${MAX_URL} characters`);
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      throw new WebhookError(400, 'invalid_url', `url is not a URL: ${JSON.stringify(raw.slice(0, 100))}`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new WebhookError(400, 'invalid_url', 'url must start with https:// (or http://, which sends events unencrypted)');
    if (u.username || u.password) throw new WebhookError(400, 'invalid_url', 'url must not carry a user name or password; receivers check the Muster-Signature header instead');
    if (u.hash) throw new WebhookError(400, 'invalid_url', 'url must not have a #fragment');
    try {
      this.policy.checkLiteral(u.hostname);
    } catch (err) {
      if (err instanceof AddressRefused) throw new WebhookError(400, 'address_refused', err.message);
      throw err;
    }
    return u.toString();
  }

  private checkTypes(raw: unknown): string | null {
    if (raw === null || raw === undefined || raw === '*') return null;
    if (!Array.isArray(raw) || raw.length === 0 || raw.some((t) => typeof t !== 'string')) throw new WebhookError(400, 'invalid_body', 'eventTypes must be a non-empty list of event types, or null (or "*") for every type');
    const bad = (raw as string[]).filter((t) => !isEventType(t));
    if (bad.length) throw new WebhookError(400, 'invalid_body', `unknown event types: ${bad.slice(0, 5).join(', ')}; see GET /api/v1/webhooks/event-types`);
    return JSON.stringify([...new Set(raw as EventType[])].sort());
  }

  private checkBody(b: Record<string, unknown>): void {
    const unknown = Object.keys(b).filter((k) => !ENDPOINT_FIELDS.has(k));
    if (unknown.length) throw new WebhookError(400, 'invalid_body', `unknown properties: ${unknown.slice(0, 5).join(', ')} (url, description, eventTypes, enabled)`);
    if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > MAX_DESCRIPTION)) throw new WebhookError(400, 'invalid_body', `description must be text of up to ${MAX_DESCRIPTION} characters`);
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean') throw new WebhookError(400, 'invalid_body', 'enabled must be true or false');
  }

  /** A new endpoint, receiving the events that happen from now on; answers its secret, once. */
  async create(orgId: string, b: Record<string, unknown>, who: AccountContext): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    this.checkBody(b);
    const url = this.checkUrl(b.url);
    const eventTypes = this.checkTypes(b.eventTypes);
    const now = this.now().toISOString();
    const secret = newWebhookSecret();
    const id = `whe_${randomUUID()}`;
    await this.store.webhooks.createEndpoint({
      id, org_id: orgId, url, description: typeof b.description === 'string' ? b.description.trim() : '', event_types: eventTypes,
      enabled: b.enabled === false ? 0 : 1, paused_at: null, paused_reason: null, failing_since: null, consecutive_failures: 0, created_at: now, updated_at: now,
    }, { id: `whs_${randomUUID()}`, endpoint_id: id, secret_enc: this.secretBox().seal(secret), created_at: now, expires_at: null });
    const endpoint = await this.get(orgId, id);
    await this.security?.log(orgId, 'webhook.created', who, url, { endpointId: id, eventTypes: endpoint.eventTypes, enabled: endpoint.enabled });
    return { endpoint, secret };
  }

  async update(orgId: string, id: string, b: Record<string, unknown>, who: AccountContext): Promise<WebhookEndpointView> {
    const before = await this.endpoint(orgId, id);
    this.checkBody(b);
    const set: Parameters<Store['webhooks']['updateEndpoint']>[2] = {
      ...(b.url !== undefined ? { url: this.checkUrl(b.url) } : {}),
      ...(b.eventTypes !== undefined ? { event_types: this.checkTypes(b.eventTypes) } : {}),
      ...(typeof b.description === 'string' ? { description: b.description.trim() } : {}),
      ...(typeof b.enabled === 'boolean' ? { enabled: b.enabled ? 1 : 0 } : {}),
    };
    await this.store.webhooks.updateEndpoint(orgId, id, set, this.now().toISOString());
    if (b.enabled === true) this.nudge();
    const after = await this.get(orgId, id);
    // What changed, before and after; a PATCH that changed nothing is not logged.
    const was = { url: before.url, description: before.description, eventTypes: typesOf(before), enabled: Number(before.enabled) === 1 };
    const now = { url: after.url, description: after.description, eventTypes: after.eventTypes, enabled: after.enabled };
    const changed = Object.fromEntries((Object.keys(now) as (keyof typeof now)[])
      .filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k])).map((k) => [k, { before: was[k], after: now[k] }]));
    if (Object.keys(changed).length) await this.security?.log(orgId, 'webhook.changed', who, after.url, { endpointId: id, ...changed });
    return after;
  }

  async remove(orgId: string, id: string, who: AccountContext): Promise<void> {
    const ep = await this.endpoint(orgId, id);
    if (!(await this.store.webhooks.deleteEndpoint(orgId, id))) throw new WebhookError(404, 'not_found', `no webhook endpoint "${id}" in your organisation`);
    await this.security?.log(orgId, 'webhook.removed', who, ep.url, { endpointId: id });
  }

  /**
   * A new secret, answered once. The old one keeps signing beside it (a second `v1=` in the
   * header) for `graceHours` (default 24; 0 ends it at once), so receivers can switch over.
   */
  async rotateSecret(orgId: string, id: string, b: Record<string, unknown>, who: AccountContext): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const ep = await this.endpoint(orgId, id);
    const grace = b.graceHours ?? 24;
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_HOURS) throw new WebhookError(400, 'invalid_body', `graceHours must be a whole number from 0 to ${MAX_GRACE_HOURS}`);
    const now = this.now();
    const secret = newWebhookSecret();
    await this.store.webhooks.rotateSecret(id, { id: `whs_${randomUUID()}`, endpoint_id: id, secret_enc: this.secretBox().seal(secret), created_at: now.toISOString(), expires_at: null },
      new Date(now.getTime() + grace * 3_600_000).toISOString(), now.toISOString());
    await this.security?.log(orgId, 'webhook.secret_rotated', who, ep.url, { endpointId: id, previousSecretHours: grace });
    return { endpoint: await this.get(orgId, id), secret };
  }

  async resume(orgId: string, id: string, who: AccountContext): Promise<WebhookEndpointView> {
    const ep = await this.endpoint(orgId, id);
    await this.store.webhooks.resume(orgId, id, this.now().toISOString());
    this.nudge();
    await this.security?.log(orgId, 'webhook.resumed', who, ep.url, { endpointId: id, pausedReason: ep.paused_reason });
    return this.get(orgId, id);
  }

  /** Queues a `webhook.test` ping (sent even to a paused endpoint, to see whether it is mended). */
  async sendTest(orgId: string, id: string): Promise<WebhookDeliveryView> {
    const ep = await this.endpoint(orgId, id);
    const now = this.now().toISOString();
    const deliveryId = `whd_${randomUUID()}`;
    const body = JSON.stringify({ id: null, type: WEBHOOK_TEST_EVENT, orgId, seq: null, listId: null, subject: null, occurredAt: now, payload: { endpointId: ep.id, message: 'A test from Muster: this endpoint receives webhooks.' } });
    await this.store.webhooks.insertDelivery({ id: deliveryId, endpointId: ep.id, orgId, eventId: null, eventType: WEBHOOK_TEST_EVENT, orderKey: `test:${deliveryId}`, body, now });
    this.nudge();
    return (await this.deliveryViews(ep.id, [(await this.store.webhooks.delivery(ep.id, deliveryId))!]))[0]!;
  }

  async deliveries(orgId: string, id: string, q: { state?: string; limit: number; before?: string }): Promise<WebhookDeliveryView[]> {
    const ep = await this.endpoint(orgId, id);
    if (q.state !== undefined && q.state !== 'pending' && q.state !== 'delivered' && q.state !== 'failed') throw new WebhookError(400, 'invalid_parameter', 'state must be pending, delivered or failed');
    const rows = await this.store.webhooks.deliveries(ep.id, { limit: q.limit, ...(q.state ? { state: q.state as WebhookDeliveryState } : {}), ...(q.before ? { before: q.before } : {}) });
    return this.deliveryViews(ep.id, rows);
  }

  async delivery(orgId: string, id: string, deliveryId: string): Promise<WebhookDeliveryView> {
    const ep = await this.endpoint(orgId, id);
    const d = await this.store.webhooks.delivery(ep.id, deliveryId);
    if (!d) throw new WebhookError(404, 'not_found', `no delivery "${deliveryId}" for this endpoint`);
    return (await this.deliveryViews(ep.id, [d]))[0]!;
  }

  /** Sends a delivery again, with the same Muster-Delivery-Id (a receiver that had it already can tell). */
  async replay(orgId: string, id: string, deliveryId: string): Promise<WebhookDeliveryView> {
    const ep = await this.endpoint(orgId, id);
    if (!(await this.store.webhooks.delivery(ep.id, deliveryId))) throw new WebhookError(404, 'not_found', `no delivery "${deliveryId}" for this endpoint`);
    if (!(await this.store.webhooks.replay(ep.id, deliveryId, this.now().toISOString()))) throw new WebhookError(409, 'delivery_in_flight', 'this delivery is being sent right now; look again in a moment');
    this.nudge();
    return this.delivery(orgId, id, deliveryId);
  }

  private async deliveryViews(_endpointId: string, rows: readonly WebhookDeliveryRow[]): Promise<WebhookDeliveryView[]> {
    const attempts = await this.store.webhooks.attempts(rows.map((r) => r.id));
    const byDelivery = new Map<string, WebhookAttemptView[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push(attemptView(a));
      byDelivery.set(a.delivery_id, list);
    }
    return rows.map((r) => ({
      id: r.id, eventId: r.event_id === null ? null : Number(r.event_id), eventType: r.event_type,
      subject: r.order_key === '' || r.order_key.startsWith('test:') ? null : r.order_key, state: r.state as WebhookDeliveryState,
      attempts: Number(r.attempts), nextAttemptAt: r.state === 'pending' && r.next_attempt_at !== HELD_UNTIL ? r.next_attempt_at : null, lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error, createdAt: r.created_at, settledAt: r.settled_at, attemptLog: byDelivery.get(r.id) ?? [],
    }));
  }
}
