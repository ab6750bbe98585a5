import type { Config } from '../config.js';
import type { Store } from '../store/index.js';
import type { AuditTrail } from './audit-trail.js';

const DAY_MS = 86_400_000;

/** Applies the retention settings: purges the request log and, if configured, old audit events. */
export async function runMaintenance(
  store: Store, audit: AuditTrail, config: Pick<Config, 'auditRetentionDays' | 'requestLogRetentionDays'>, now: Date,
): Promise<{ requestLogEntries: number; auditEvents: number }> {
  const requestLogEntries = await store.audit.purgeRequests(new Date(now.getTime() - config.requestLogRetentionDays * DAY_MS).toISOString());
  let auditEvents = 0;
  if (config.auditRetentionDays > 0) {
    const cutoff = new Date(now.getTime() - config.auditRetentionDays * DAY_MS).toISOString();
    for (const list of await store.lists.all()) auditEvents += await audit.prune(store, list.id, cutoff);
  }
  return { requestLogEntries, auditEvents };
}
