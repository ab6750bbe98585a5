/**
 * Paging by cursor (`after`/`next`): the cursors of the pages walked so far, so "Previous page"
 * returns exactly where it was and a refresh reloads the page on screen, not the first one.
 */
import { useState } from 'react';

export interface CursorPages<C> {
  /** The cursor of the page on screen (undefined: the first page). */
  readonly cursor: C | undefined;
  /** 1 on the first page. */
  readonly number: number;
  next(cursor: C): void;
  previous(): void;
  first(): void;
}

export function useCursorPages<C>(): CursorPages<C> {
  const [stack, setStack] = useState<readonly C[]>([]);
  return {
    cursor: stack[stack.length - 1],
    number: stack.length + 1,
    next: (c) => setStack((s) => [...s, c]),
    previous: () => setStack((s) => s.slice(0, -1)),
    first: () => setStack([]),
  };
}
