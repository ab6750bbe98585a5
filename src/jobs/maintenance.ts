import type { Config } from '../config.js';
import type { Store } from '../store/index.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { yieldToEventLoop } from '../runtime/turns.js';

const DAY_MS = 86_400_000;

/** Request log entries removed per statement when it is over its size cap. */
const CAP_CHUNK = 5_000;

/**
 * Applies the retention settings: purges the request log (by age, then down to its size cap), the log of credential verifications,
 * expired admin sessions, the outbox's domain events past MUSTER_EVENTS_RETENTION_DAYS and, if
 * configured, old audit events.
 */
export async function runMaintenance(
  store: Store, audit: AuditTrail, config: Pick<Config, 'auditRetentionDays' | 'requestLogRetentionDays' | 'verificationLogRetentionDays' | 'eventsRetentionDays'> & Partial<Pick<Config, 'requestLogMaxEntries'>>, now: Date,
): Promise<{ requestLogEntries: number; auditEvents: number; verifications: number; sessions: number; events: number }> {
  let requestLogEntries = await store.audit.purgeRequests(new Date(now.getTime() - config.requestLogRetentionDays * DAY_MS).toISOString());
  if (config.requestLogMaxEntries) {
    for (;;) {
      const r = await store.audit.capRequests(config.requestLogMaxEntries, CAP_CHUNK);
      requestLogEntries += r.removed;
      if (!r.more) break;
      await yieldToEventLoop();
    }
  }
  const verifications = await store.credentials.purgeVerifications(new Date(now.getTime() - config.verificationLogRetentionDays * DAY_MS).toISOString());
  const sessions = await store.admins.deleteExpiredSessions(now.toISOString());
  const events = await store.pruneEvents(new Date(now.getTime() - config.eventsRetentionDays * DAY_MS).toISOString());
  let auditEvents = 0;
  if (config.auditRetentionDays > 0) {
    const cutoff = new Date(now.getTime() - config.auditRetentionDays * DAY_MS).toISOString();
    for (const list of await store.lists.all()) auditEvents += await audit.prune(store, list.id, cutoff);
    // The organisations' security logs follow the audit trail's retention.
    auditEvents += await store.admins.purgeSecurityEvents(cutoff);
  }
  return { requestLogEntries, auditEvents, verifications, sessions, events };
}
