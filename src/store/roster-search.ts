import { sql, type RawBuilder } from 'kysely';
import type { Engine } from './engine.js';

/*
 * Roster search: the roster page's search box, photo capture's search and the audit trail's
 * person search find a person when every word of the query (lower-cased, at most five) is inside
 * their userName or inside one of their roster field values, whatever the case.
 *
 * It reads the columns the row holds anyway (issue 16, one copy of each value): `user_name_lc`
 * (lower-cased by JS, user-name.ts) and `fields`, the JSON array of values by slot
 * (roster/derivation.ts, storedFields). The array has no keys, and a quote or backslash inside a
 * value is escaped in its text, so a word JSON-escaped the same way is found only inside a value:
 * never across two of them, nor in a field's name.
 *
 * The case of a value is matched by the query, not stored: each cased letter of the word becomes
 * the class of every character that lower-cases to it (`[éÉ]`), through SQLite's GLOB or
 * PostgreSQL's `~`. SQLite's LIKE folds ASCII letters itself, so a word whose cased letters are
 * all ASCII (most) is a LIKE, and a word with no cased letter (a phone or employee number) a
 * plain substring on PostgreSQL. Each is a scan of the list: these run in the lane of whole-list
 * reads (scan-pool.ts).
 *
 * Rows written before migration 043 hold a lower-cased search text (`users.search`) and fields
 * keyed by name: they are searched by that text, as they were, until they are written again.
 *
 * Where it differs from lower-casing every value in JS and looking for the word:
 * - a value holding a control character (a line break) is found by the letters of its JSON
 *   escape (`n` for `\n`);
 * - a letter whose lower case is two characters (Turkish İ) matches only itself, and letters
 *   outside the Basic Multilingual Plane match as they are written; the Kelvin sign, the long s
 *   and the dotless ı are not taken for k, s and i;
 * - σ, ς and Σ are one letter (JS lower-cases a final Σ to ς, in the value but not in the word).
 * The words are split at commas and square brackets as at spaces: the array's own punctuation is
 * never looked for.
 */

let classes: Map<string, string[]> | undefined;

/**
 * The one letter a character is, whatever its case: its lower case by way of its upper case, so
 * that σ, ς and Σ are one; itself when that is not one character (İ lower-cases to i and a dot),
 * or when it would make a character outside ASCII an ASCII letter (SQLite's LIKE, which the ASCII
 * words use, does not match the Kelvin sign for k).
 */
function fold(ch: string): string {
  const up = ch.toUpperCase();
  const low = (up.length === 1 ? up : ch).toLowerCase();
  if (low.length !== 1 || (ch.charCodeAt(0) >= 0x80 && low.charCodeAt(0) < 0x80)) return ch;
  return low;
}

/**
 * Every character of the Basic Multilingual Plane that is the same letter as `c` (fold), `c`
 * among them; `[c]` when it has no other case. Built once, on the first word that needs it.
 */
function caseClass(c: string): readonly string[] {
  if (!classes) {
    const found = new Map<string, string[]>();
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      const f = fold(ch);
      const cls = found.get(f);
      if (cls) cls.push(ch);
      else found.set(f, [ch]);
    }
    classes = found;
  }
  const cls = c.length === 1 ? classes.get(fold(c)) : undefined;
  return cls && cls.length > 1 ? cls : [c];
}

/** The word as it appears in the JSON text of a value: `"` and `\` (and control characters) escaped. */
const jsonText = (word: string): string => JSON.stringify(word).slice(1, -1);

/** A LIKE pattern finding `text` anywhere, with `\` as its escape. */
const likeAnywhere = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A SQLite GLOB pattern finding `text` anywhere, each cased letter as its class. */
function globAnywhere(text: string): string {
  let out = '*';
  for (const c of text) {
    const cls = caseClass(c);
    out += cls.length > 1 ? `[${cls.join('')}]` : c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
  }
  return `${out}*`;
}

/** A PostgreSQL regular expression finding `text` anywhere, each cased letter as its class. */
function regexAnywhere(text: string): string {
  let out = '';
  for (const c of text) {
    const cls = caseClass(c);
    out += cls.length > 1 ? `[${cls.join('')}]` : /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
  }
  return out;
}

/**
 * The condition that finds the people one word of a roster search (searchWords: as typed) finds.
 * The userName is compared as its key is made (user-name.ts: lower case, NFC), a search text of
 * a row written before migration 043 as it was made (lower case).
 */
export function rosterWordMatch(engine: Engine, word: string): RawBuilder<boolean> {
  const lower = word.toLowerCase();
  const legacy = sql<boolean>`users.search LIKE ${likeAnywhere(lower)} ESCAPE '\\'`;
  const key = lower.normalize('NFC');
  const text = jsonText(word);
  const classes = [...text].map(caseClass);
  let inUserName: RawBuilder<boolean>, inFields: RawBuilder<boolean>;
  if (engine === 'postgres') {
    inUserName = sql<boolean>`strpos(users.user_name_lc, ${key}) > 0`;
    inFields = classes.some((cls) => cls.length > 1) ? sql<boolean>`users.fields ~ ${regexAnywhere(text)}` : sql<boolean>`strpos(users.fields, ${text}) > 0`;
  } else {
    inUserName = sql<boolean>`instr(users.user_name_lc, ${key}) > 0`;
    // LIKE folds ASCII letters and matches every other character as it is.
    const likeDoes = classes.every((cls) => cls.length === 1 || cls.every((x) => x.charCodeAt(0) < 0x80));
    inFields = likeDoes
      ? sql<boolean>`users.fields LIKE ${likeAnywhere(text)} ESCAPE '\\'`
      : sql<boolean>`users.fields GLOB ${globAnywhere(text)}`;
  }
  return sql<boolean>`(CASE WHEN users.search IS NOT NULL THEN ${legacy} ELSE (${inUserName} OR ${inFields}) END)`;
}

/**
 * The text of one roster field of each person, NULL when empty: item `slot` of the stored array
 * (migration 043), or the key in a row that still holds fields by key. The slot is written into
 * the statement as a number: a bound one is text to PostgreSQL's `->>`, which reads an array's
 * item only by an integer. `slot` undefined (a key the list never had): NULL for the new form.
 */
export function rosterFieldText(engine: Engine, key: string, slot: number | undefined): RawBuilder<unknown> {
  if (engine === 'postgres') {
    const item = slot === undefined ? sql`NULL` : sql`nullif(users.fields::jsonb ->> ${sql.lit(slot)}, '')`;
    return sql`(CASE WHEN left(users.fields, 1) = '[' THEN ${item} ELSE users.fields::jsonb ->> ${key} END)`;
  }
  const item = slot === undefined ? sql`NULL` : sql`nullif(json_extract(users.fields, ${`$[${slot}]`}), '')`;
  return sql`(CASE WHEN substr(users.fields, 1, 1) = '[' THEN ${item} ELSE json_extract(users.fields, ${`$."${key}"`}) END)`;
}

/**
 * The longest word a search matches by, in characters (code points). A longer word is cut to it: it
 * then finds a little more, never less. Bounds what one word costs the statement: on PostgreSQL a
 * word with cased letters is a regular expression of one class a character, and only the URL's
 * size (Node's 16 KB header limit) bounded it before.
 */
export const SEARCH_WORD_MAX = 200;

/** The word's first SEARCH_WORD_MAX code points, ended before a letter whose combining marks would be cut off (é as e + ◌́ must not become e). */
function cut(word: string): string {
  if (word.length <= SEARCH_WORD_MAX) return word;
  const points = [...word];
  let end = SEARCH_WORD_MAX;
  while (end > 0 && end < points.length && MARK.test(points[end]!)) end--;
  return points.slice(0, end || SEARCH_WORD_MAX).join('');
}

const MARK = /^\p{M}$/u;

/** The words of a roster search, as typed: split at spaces, commas and square brackets, the first five, each cut to SEARCH_WORD_MAX. */
export const searchWords = (text: string): string[] => text.split(/[\s,[\]]+/).filter(Boolean).slice(0, 5).map(cut);
