/**
 * The lifecycle steps that follow a change, as outbox consumers (issue 15, item 2; run by
 * OutboxConsumers on any node, src/events/consumers.ts). What must hold the moment a change
 * commits (a deactivated person's credentials revoked, so the QR code answers "revoked") stays in
 * the change's own transaction (CredentialService.onPersonLifecycle); everything here may follow
 * a moment later and is idempotent by event id.
 */
import type { EventConsumer } from '../events/consumers.js';
import type { CredentialService } from './credential-service.js';

/** New roster values reach the holder's wallet passes: each live pass becomes a new version, pushed. */
export function walletContentConsumer(credentials: CredentialService): EventConsumer {
  return {
    name: 'lifecycle.wallet-content',
    types: ['person.updated'],
    relevant: async (e) => e.listId !== null && e.subject !== null && credentials.hasLivePasses(e.listId, e.subject),
    handle: async (tx, e) => {
      if (e.listId === null || e.subject === null) return;
      await credentials.refreshPasses(tx, e.listId, e.subject, { actor: 'system', requestId: `event-${e.id}` });
    },
  };
}
