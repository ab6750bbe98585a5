/**
 * What a finished Entra sync run did, in words an administrator reads without knowing Graph:
 * why every person was read again (a first run, a changed scope, or Microsoft's change token
 * expired: learn.microsoft.com/graph/delta-query-overview, "Synchronization reset"), whether
 * Microsoft asked Muster to slow down (learn.microsoft.com/graph/throttling), and who could not
 * be written.
 */

/** Why a round read every person instead of only the changes since the last run. */
export type FullReason = 'first' | 'scope' | 'token';

export interface RunFacts {
  readonly full: boolean;
  readonly fullReason?: FullReason;
  readonly resyncs?: number;
  readonly retries?: number;
  readonly failed?: number;
  readonly deactivated?: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function runNotes(f: RunFacts): string[] {
  const notes: string[] = [];
  if ((f.resyncs ?? 0) > 0 || f.fullReason === 'token') {
    notes.push('Every person was read again because Microsoft\'s change token expired (Microsoft keeps it for a limited time only).');
  } else if (f.full && f.fullReason === 'first') {
    notes.push('First run: every person in the chosen groups was read.');
  } else if (f.full && f.fullReason === 'scope') {
    notes.push('Every person was read again because the chosen groups changed.');
  } else if (f.full) {
    notes.push('Every person was read again.');
  } else {
    notes.push('Only the changes since the last run were read.');
  }
  if ((f.deactivated ?? 0) > 0 && f.full) notes.push(`${plural(f.deactivated!, 'person was', 'people were')} deactivated: no longer in a chosen group, or disabled in Entra ID.`);
  if ((f.retries ?? 0) > 0) notes.push(`Microsoft asked Muster to slow down ${plural(f.retries!, 'time', 'times')}; the run waited as asked and carried on.`);
  if ((f.failed ?? 0) > 0) notes.push(`${plural(f.failed!, 'person', 'people')} could not be written; the problems below say what to correct in Entra ID.`);
  return notes;
}
