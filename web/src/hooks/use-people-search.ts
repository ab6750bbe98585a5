/**
 * A page of a list's active people matching a search, asked of the server (`search`, `offset`,
 * `limit`), so a picker never loads a whole roster; the search waits until typing pauses.
 */
import { useState } from 'react';
import { api, type PeoplePage } from '../api';
import { useAsync, type Async } from './use-async';
import { useDebounced } from './use-debounced';

export interface PeopleSearch {
  readonly search: string;
  setSearch(s: string): void;
  readonly page: Async<PeoplePage>;
  readonly offset: number;
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
  previous(): void;
  next(): void;
}

export function usePeopleSearch(listId: string, pageSize: number): PeopleSearch {
  const [search, setSearchNow] = useState('');
  const [offset, setOffset] = useState(0);
  const q = useDebounced(search.trim(), 250);
  const page = useAsync((signal) => api.roster.people(listId, { status: 'active', search: q, offset, limit: pageSize }, signal), [listId, q, offset, pageSize]);
  const shown = page.data ? page.data.offset + page.data.people.length : 0;
  return {
    search, page, offset,
    setSearch: (s) => { setSearchNow(s); setOffset(0); },
    hasPrevious: offset > 0,
    hasNext: page.data !== undefined && shown < page.data.total,
    previous: () => setOffset(Math.max(0, offset - pageSize)),
    next: () => setOffset(offset + pageSize),
  };
}
