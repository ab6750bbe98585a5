/**
 * A person's `schemas` as stored (issue 16, compact storage; migration 043): the two arrays almost
 * every person has are written as a number, 119 of 913 bytes on the benchmark's people.
 *   0: [core User]
 *   1: [core User, enterprise User]
 * Any other array is stored as it is. A code never changes meaning once released, as a packed
 * text's dictionary does not (store/sqlite/packed-text.ts). Only the store writes and reads codes:
 * UsersRepo encodes the text it writes (storedUserText), every read of a person's document
 * decodes it (userDocOf), and the splice that answers from stored text writes the array back in
 * its place (stored-text.ts). Groups keep theirs: there are few of them.
 */
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './schemas/index.js';

const SETS: readonly (readonly string[])[] = [[USER_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]];

/** Each code's array as JSON text, by code. */
export const SCHEMAS_TEXT: readonly string[] = SETS.map((s) => JSON.stringify(s));

/** The start of a document's text whose `schemas` comes first and is one of the sets, longest first. */
const HEADS = SCHEMAS_TEXT.map((t, code) => ({ head: `{"schemas":${t}`, code })).sort((a, b) => b.head.length - a.head.length);

/**
 * A person's document as the store writes it: its JSON text (JSON.stringify of a document whose
 * `schemas` comes first, as ScimService builds every one), with a known `schemas` array as its code.
 */
export function storedUserText(doc: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(doc);
  for (const { head, code } of HEADS) {
    if (!text.startsWith(head)) continue;
    const next = text.charCodeAt(head.length);
    // The whole array, not the first items of a longer one.
    if (next === 0x2c /* , */ || next === 0x7d /* } */) return `{"schemas":${code}${text.slice(head.length)}`;
  }
  return text;
}

/** A person's document as read (JSON text on SQLite, an object from PostgreSQL's jsonb), its `schemas` code made the array again. */
export function userDocOf(stored: unknown): Record<string, unknown> {
  const doc = (typeof stored === 'string' ? JSON.parse(stored) : stored) as Record<string, unknown>;
  const code = doc.schemas;
  if (typeof code === 'number' && SETS[code]) doc.schemas = [...SETS[code]];
  return doc;
}
