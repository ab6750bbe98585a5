import { describe, expect, it } from 'vitest';
import { runNotes } from '../../../src/sync/entra-run-notes.js';

describe('runNotes', () => {
  it('says why every person was read again, in words', () => {
    expect(runNotes({ full: true, fullReason: 'first' })[0]).toBe('First run: every person in the chosen groups was read.');
    expect(runNotes({ full: true, fullReason: 'scope' })[0]).toBe('Every person was read again because the chosen groups changed.');
    expect(runNotes({ full: true, fullReason: 'scope', resyncs: 1 })[0]).toMatch(/^Every person was read again because Microsoft's change token expired/);
    expect(runNotes({ full: false })).toEqual(['Only the changes since the last run were read.']);
  });

  it('counts throttling and failures with the right plural', () => {
    const notes = runNotes({ full: false, retries: 1, failed: 2 });
    expect(notes).toContain('Microsoft asked Muster to slow down 1 time; the run waited as asked and carried on.');
    expect(notes).toContain('2 people could not be written; the problems below say what to correct in Entra ID.');
    expect(runNotes({ full: true, fullReason: 'first', deactivated: 1 })).toContain('1 person was deactivated: no longer in a chosen group, or disabled in Entra ID.');
  });
});
