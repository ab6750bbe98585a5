/**
 * Names of the people a print job skipped. Chosen people are known already; the others (an
 * "everyone" batch) are looked up one by one, at most SHOWN of them: the list shows no more.
 */
import { useEffect, useState } from 'react';
import { api, type PrintSkip } from '../../api';
import { personName } from '../../person-name';

export const SHOWN = 100;

export function useSkippedNames(listId: string, skipped: readonly PrintSkip[], known: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  const [found, setFound] = useState<ReadonlyMap<string, string>>(new Map());
  const missing = skipped.slice(0, SHOWN).map((s) => s.id).filter((id) => !known.has(id));
  const key = missing.join();
  useEffect(() => {
    if (!missing.length) return;
    let stale = false;
    void Promise.all(missing.map((id) => api.roster.person(listId, id).then((p) => [id, personName(p)] as const, () => undefined)))
      .then((pairs) => { if (!stale) setFound(new Map(pairs.filter((p) => p !== undefined))); });
    return () => { stale = true; };
    // `key` stands for the ids looked up
  }, [listId, key]);
  return new Map([...found, ...known]);
}
