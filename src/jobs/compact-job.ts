/**
 * `storage.compact`: rewrites a list's people whose rows are still in the form written before
 * migration 043 in the form a write makes now, values unchanged (issue 16, item 3: one copy of each
 * value). Migration 045 queues one for every list that has people, so an upgraded installation
 * gets the bytes back without waiting for each person to be written (a person rarely written, or
 * on a list without a sync method, which a mapping change's re-derivation skips).
 *
 * What each row becomes is RosterRepo.compactAfter's (src/store/roster-repo.ts): fields by slot
 * without a search text, a userName held once, `schemas` as its code; what users-repo.ts writes.
 *
 * Nothing a reader sees changes: no audit event, no outbox event, the version and ETag stay. Each
 * batch runs in one transaction that first takes the list's lock (as SCIM writes and re-derivation
 * do), and writes a person only if still at the version read. Resumable from its last batch; a
 * batch run twice finds its rows already converted and writes nothing.
 */
import type { JobHandler } from './job-runner.js';
import type { Store } from '../store/index.js';
import { yieldToEventLoop } from '../runtime/turns.js';

export const COMPACT_JOB = 'storage.compact';

/** Rows a transaction reads and converts: a few milliseconds of the list's lock (and, on SQLite, of the write lock). */
const BATCH = 200;

interface CompactState { readonly after: number; readonly converted: number }

/** The handler, for JobRunner.register. Its result: `{ converted, processed }`. */
export function compactJob(store: Store): JobHandler {
  return async (job, save) => {
    const listId = job.list_id;
    const state = JSON.parse(job.params || '{}') as Partial<CompactState>;
    let after = state.after ?? 0, converted = state.converted ?? 0, done = Number(job.done);
    for (;;) {
      const batch = await store.transaction(async (tx) => {
        await tx.audit.chain(listId, true);
        return tx.roster.compactAfter(listId, after, BATCH);
      });
      if (batch.read === 0) break;
      after = batch.last;
      converted += batch.converted;
      done += batch.read;
      if (!(await save({ after, converted } satisfies CompactState, done))) return undefined; // taken over or superseded
      await yieldToEventLoop();
    }
    return { converted, processed: done };
  };
}
