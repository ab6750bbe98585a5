/**
 * Who did something, and from where, as the organisation's security log records it
 * (`security_events.actor` and `.address`). Declared here, beside the table, because two services
 * write that log: accounts (sign-ins, admins, settings) and events (webhook endpoints), and
 * neither may import the other.
 */
export interface AccountContext {
  /** `admin:<email>`, `cli`, `admin-key:<id>`, `anonymous`. */
  readonly actor: string;
  readonly address?: string;
}

/** The security log's actions about webhook endpoints (docs/webhooks.md): the events service writes them. */
export const WEBHOOK_SECURITY_ACTIONS = ['webhook.created', 'webhook.changed', 'webhook.removed', 'webhook.secret_rotated', 'webhook.resumed'] as const;
export type WebhookSecurityAction = (typeof WEBHOOK_SECURITY_ACTIONS)[number];
