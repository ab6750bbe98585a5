/**
 * The box around a table that scrolls sideways when the table is wider than the screen (a phone,
 * a long name or address). It is a named region in the tab order, so a keyboard user can reach
 * it and scroll the hidden columns into view with the arrow keys (WCAG 2.1.1, axe
 * "scrollable-region-focusable"). Every table that may scroll sits in one: whether it overflows
 * depends on the roster's data, not on the screen's design.
 */
import type { ReactNode } from 'react';

export function TableScroll({ label, live, children }: {
  /** What the table is, as a screen reader announces the region: usually its caption. */
  readonly label: string;
  /** Announce changes of its content (a preview that is re-run). */
  readonly live?: boolean;
  readonly children: ReactNode;
}) {
  return <div className="table-scroll" tabIndex={0} role="region" aria-label={label} aria-live={live ? 'polite' : undefined}>{children}</div>;
}
