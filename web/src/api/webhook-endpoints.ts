/** Typed calls of the webhook routes (docs/webhooks.md). */
import { request } from './client';

const e = encodeURIComponent;

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[] | null;
  readonly enabled: boolean;
  readonly pausedAt: string | null;
  readonly pausedReason: string | null;
  readonly failingSince: string | null;
  readonly pending: number;
  readonly failed: number;
  readonly previousSecretExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WebhookAttempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly responseExcerpt: string | null;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly eventId: number | null;
  readonly eventType: string;
  readonly subject: string | null;
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly settledAt: string | null;
  readonly attemptLog: readonly WebhookAttempt[];
}

export interface WebhookDraft {
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[] | null;
  readonly enabled?: boolean;
}

export const webhooks = {
  eventTypes: () => request<{ eventTypes: { type: string; meaning: string }[] }>('GET', '/webhooks/event-types'),
  list: () => request<{ endpoints: WebhookEndpoint[] }>('GET', '/webhooks'),
  create: (b: WebhookDraft) => request<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/webhooks', b),
  update: (id: string, b: Partial<WebhookDraft>) => request<{ endpoint: WebhookEndpoint }>('PATCH', `/webhooks/${e(id)}`, b),
  remove: (id: string) => request<void>('DELETE', `/webhooks/${e(id)}`),
  rotateSecret: (id: string) => request<{ endpoint: WebhookEndpoint; secret: string }>('POST', `/webhooks/${e(id)}/rotate-secret`, { graceHours: 24 }),
  resume: (id: string) => request<{ endpoint: WebhookEndpoint }>('POST', `/webhooks/${e(id)}/resume`),
  test: (id: string) => request<{ delivery: WebhookDelivery }>('POST', `/webhooks/${e(id)}/test`),
  deliveries: (id: string) => request<{ deliveries: WebhookDelivery[] }>('GET', `/webhooks/${e(id)}/deliveries`, undefined, { limit: 50 }),
  replay: (id: string, deliveryId: string) => request<{ delivery: WebhookDelivery }>('POST', `/webhooks/${e(id)}/deliveries/${e(deliveryId)}/replay`),
};
