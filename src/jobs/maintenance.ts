import type { Config } from '../config.js';
import type { Store } from '../store/index.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { yieldToEventLoop } from '../runtime/turns.js';
import { databaseUnavailable } from '../store/unavailable.js';

const DAY_MS = 86_400_000;

/** Request log entries removed per statement when it is over its size cap. */
const CAP_CHUNK = 5_000;
/**
 * The newest request log entries each list keeps whatever the size cap: a cap smaller than the
 * lists can share out (a small cap, thousands of lists) would otherwise empty every list's log,
 * the latest failures an ID office looks for included.
 */
export const REQUEST_LOG_KEPT_PER_LIST = 100;

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
  store: Store, audit: AuditTrail,
  config: Pick<Config, 'auditRetentionDays' | 'requestLogRetentionDays' | 'verificationLogRetentionDays' | 'eventsRetentionDays'> & Partial<Pick<Config, 'requestLogMaxEntries'>> & {
    /** The newest entries each list keeps over the cap: REQUEST_LOG_KEPT_PER_LIST unless given (tests of the split, with a handful of entries, give 0). */
    readonly requestLogKeptPerList?: number;
  },
  now: Date,
): Promise<MaintenanceResult> {
  const failures: MaintenanceFailure[] = [];
  let unavailable = false;
  /** Runs one task; what it counted before failing (`count`) stays counted. */
  const attempt = async (task: MaintenanceFailure['task'], run: (count: (n: number) => void) => Promise<void>, listId?: string): Promise<number> => {
    let removed = 0;
    try {
      await run((n) => { removed += n; });
    } catch (err) {
      failures.push({ task, ...(listId ? { listId } : {}), error: err instanceof Error ? err.message : String(err) });
      unavailable ||= databaseUnavailable(err);
    }
    return removed;
  };
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const requestLogEntries = await attempt('request log', async (count) => {
    count(await store.audit.purgeRequests(before(config.requestLogRetentionDays)));
    if (config.requestLogMaxEntries) {
      for (const cut of await store.audit.requestCapPlan(config.requestLogMaxEntries, config.requestLogKeptPerList ?? REQUEST_LOG_KEPT_PER_LIST)) {
        for (;;) {
          const r = await store.audit.removeRequests(cut.listId, cut.upTo, CAP_CHUNK);
          count(r.removed);
          if (!r.more) break;
          await yieldToEventLoop();
        }
      }
    }
  });
  const verifications = await attempt('verification log', async (count) => count(await store.credentials.purgeVerifications(before(config.verificationLogRetentionDays))));
  const sessions = await attempt('admin sessions', async (count) => count(await store.admins.deleteExpiredSessions(now.toISOString())));
  // (Batches it committed before one failed are not counted: the store counts them as a whole.)
  const events = await attempt('outbox', async (count) => count(await store.pruneEvents(before(config.eventsRetentionDays))));
  let auditEvents = 0;
  if (config.auditRetentionDays > 0) {
    const cutoff = before(config.auditRetentionDays);
    let lists: readonly { readonly id: string }[] = [];
    await attempt('audit trail', async () => { lists = await store.lists.all(); });
    for (const [i, list] of lists.entries()) {
      // A database that cannot be reached fails every list alike: one failure says so, not one a list.
      if (unavailable) {
        failures.push({ task: 'audit trail', error: `${lists.length - i} more lists not tried: the database was unavailable` });
        break;
      }
      auditEvents += await attempt('audit trail', async (count) => count(await audit.prune(store, list.id, cutoff)), list.id);
    }
    // The organisations' security logs follow the audit trail's retention.
    auditEvents += await attempt('security log', async (count) => count(await store.admins.purgeSecurityEvents(cutoff)));
  }
  return { requestLogEntries, auditEvents, verifications, sessions, events, failures };
}
