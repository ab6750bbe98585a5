/**
 * A person's row in the stored form of migration 043, from the form written before it (issue 16,
 * item 3: one copy of each value), for the `storage.compact` job (src/jobs/compact-job.ts) and
 * RosterRepo.compactAfter.
 */
import { storedUserText, userDocOf } from '../scim/schemas-code.js';

/**
 * The document's text with its `schemas` coded, or undefined when the row already holds it so (or
 * holds an array no code stands for). PostgreSQL's jsonb keeps no key order, so the document is
 * given `schemas` first again before it is coded; SQLite's text keeps the order it was written in.
 */
export function compactedData(stored: unknown): string | undefined {
  // Already coded (or no array at all): SQLite's text starts with the code, PostgreSQL's object holds it.
  if (typeof stored === 'string' ? !stored.startsWith('{"schemas":[') : !Array.isArray((stored as { schemas?: unknown }).schemas)) return undefined;
  const doc = userDocOf(stored);
  const text = storedUserText(typeof stored === 'string' ? doc : { schemas: doc.schemas, ...doc });
  return text.startsWith('{"schemas":[') ? undefined : text;
}
