import type { Config } from '../config.js';
import type { Store } from '../store/index.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { yieldToEventLoop } from '../runtime/turns.js';

const DAY_MS = 86_400_000;

/** Request log entries removed per statement when it is over its size cap. */
const CAP_CHUNK = 5_000;

/** A retention task that failed: the others still ran (a locked database, one list's damaged trail). */
export interface MaintenanceFailure {
  readonly task: 'request log' | 'verification log' | 'admin sessions' | 'outbox' | 'audit trail' | 'security log';
  /** The list whose audit trail could not be pruned. */
  readonly listId?: string;
  readonly error: string;
}

export interface MaintenanceResult {
  readonly requestLogEntries: number;
  readonly auditEvents: number;
  readonly verifications: number;
  readonly sessions: number;
  readonly events: number;
  readonly failures: readonly MaintenanceFailure[];
}

/**
 * Applies the retention settings: purges the request log (by age, then down to its size cap), the log of credential verifications,
 * expired admin sessions, the outbox's domain events past MUSTER_EVENTS_RETENTION_DAYS and, if
 * configured, old audit events. Each task, and each list's audit trail, runs whatever the others
 * did: one that fails is named in `failures` and the rest still run, so that one list's trail
 * cannot keep every other list's (or the request log) growing past its retention.
 */
export async function runMaintenance(
  store: Store, audit: AuditTrail, config: Pick<Config, 'auditRetentionDays' | 'requestLogRetentionDays' | 'verificationLogRetentionDays' | 'eventsRetentionDays'> & Partial<Pick<Config, 'requestLogMaxEntries'>>, now: Date,
): Promise<MaintenanceResult> {
  const failures: MaintenanceFailure[] = [];
  const attempt = async (task: MaintenanceFailure['task'], run: () => Promise<number>, listId?: string): Promise<number> => {
    try {
      return await run();
    } catch (err) {
      failures.push({ task, ...(listId ? { listId } : {}), error: err instanceof Error ? err.message : String(err) });
      return 0;
    }
  };
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const requestLogEntries = await attempt('request log', async () => {
    let removed = await store.audit.purgeRequests(before(config.requestLogRetentionDays));
    if (config.requestLogMaxEntries) {
      for (;;) {
        const r = await store.audit.capRequests(config.requestLogMaxEntries, CAP_CHUNK);
        removed += r.removed;
        if (!r.more) break;
        await yieldToEventLoop();
      }
    }
    return removed;
  });
  const verifications = await attempt('verification log', () => store.credentials.purgeVerifications(before(config.verificationLogRetentionDays)));
  const sessions = await attempt('admin sessions', () => store.admins.deleteExpiredSessions(now.toISOString()));
  const events = await attempt('outbox', () => store.pruneEvents(before(config.eventsRetentionDays)));
  let auditEvents = 0;
  if (config.auditRetentionDays > 0) {
    const cutoff = before(config.auditRetentionDays);
    let lists: readonly { readonly id: string }[] = [];
    await attempt('audit trail', async () => { lists = await store.lists.all(); return 0; });
    for (const list of lists) auditEvents += await attempt('audit trail', () => audit.prune(store, list.id, cutoff), list.id);
    // The organisations' security logs follow the audit trail's retention.
    auditEvents += await attempt('security log', () => store.admins.purgeSecurityEvents(cutoff));
  }
  return { requestLogEntries, auditEvents, verifications, sessions, events, failures };
}
