/** The mapping being edited: entries with a local id (for React keys), compared with the saved one. */
import type { MappingEntry } from '../api';

export interface DraftEntry extends MappingEntry {
  readonly uid: number;
}

let next = 1;

export const toDraft = (entries: readonly MappingEntry[]): DraftEntry[] => entries.map((e) => ({ ...e, uid: next++ }));

export const newEntry = (field: string, source = ''): DraftEntry => ({ uid: next++, field, source, transform: 'copy' });

/** What the API accepts: no local ids, no empty optional parts. */
export function toEntries(draft: readonly DraftEntry[]): MappingEntry[] {
  return draft.map(({ uid: _uid, ...e }) => {
    const out: { source?: string; field: string; transform?: MappingEntry['transform']; template?: string } = { field: e.field };
    if (e.transform === 'template') {
      out.transform = 'template';
      out.template = e.template ?? '';
    } else {
      out.source = e.source ?? '';
      if (e.transform && e.transform !== 'copy') out.transform = e.transform;
    }
    return out;
  });
}

/** Equal as the API would store them (an explicit `copy` transform is the same as none). */
export const sameMapping = (a: readonly MappingEntry[], b: readonly MappingEntry[]) =>
  JSON.stringify(toEntries(toDraft(a))) === JSON.stringify(toEntries(toDraft(b)));
