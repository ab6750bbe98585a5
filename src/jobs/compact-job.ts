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
 * Values stay as they were: no audit event, no outbox event, the version and ETag stay (what a
 * reader can still tell apart is in docs/operations.md, migration 045). Registered as a low kind:
 * claimed after every other kind, one at a time on a node. Each batch runs in one transaction that
 * first takes the list's lock (as SCIM writes and re-derivation do), and writes a person only if
 * still at the version read. Resumable from its last batch; a
 * batch run twice finds its rows already converted and writes nothing.
 */
import type { JobHandler } from './job-runner.js';
import type { Store } from '../store/index.js';
import { yieldToEventLoop } from '../runtime/turns.js';

export const COMPACT_JOB = 'storage.compact';

/** Rows a transaction reads and converts: 13 ms of the list's lock on SQLite (66 µs a person, bench/RESULTS.md), and of its write lock. */
const BATCH = 200;

interface CompactState { readonly after: number; readonly converted: number }

/** The handler, for JobRunner.register (`batch`: people a transaction). Its result: `{ converted, processed }`. */
export function compactJob(store: Store, batch = BATCH): JobHandler {
  return async (job, save) => {
    const listId = job.list_id;
    const state = JSON.parse(job.params || '{}') as Partial<CompactState>;
    let after = state.after ?? 0, converted = state.converted ?? 0, done = Number(job.done);
    for (;;) {
      const step = await store.transaction(async (tx) => {
        await tx.audit.chain(listId, true);
        return tx.roster.compactAfter(listId, after, batch);
      });
      if (step.read === 0) break;
      after = step.last;
      converted += step.converted;
      done += step.read;
      if (!(await save({ after, converted } satisfies CompactState, done))) return undefined; // taken over or superseded
      await yieldToEventLoop();
    }
    return { converted, processed: done };
  };
}
