import { randomFillSync } from 'node:crypto';

/**
 * New identifiers for what Muster stores by the million: people, groups, lists, tokens, photos,
 * credentials and requests. A UUID (36 characters) is stored in every row and every index that
 * names its list, person or token; an id of 20 characters (its time, then 50 random bits: newId)
 * takes 16 fewer bytes, and a list's or organisation's 12 random characters (60 bits) 24 fewer. At a
 * million people that is about 0.6 KB a person (bench/RESULTS.md, "Shorter ids"). Ids made before
 * stay as they are: every id is an opaque string (RFC 7643 §3.1: "a unique identifier for a SCIM
 * resource as defined by the service provider").
 *
 * Lower-case Crockford base32 (digits and letters without i, l, o and u), so an id read aloud or
 * copied by hand from a screen is not mistaken, and an id that passes through a case-folding
 * system is not changed. Each character is five bits of one random byte (32 divides 256: no bias).
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random bytes taken from a pool, refilled 4 KiB at a time (one system call per ~200 ids, as Node's randomUUID does). */
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomId(length: number): string {
  if (used + length > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[pool[used + i]! & 31];
  used += length;
  return id;
}

/**
 * A list's or organisation's id: 12 characters, 60 random bits. There are few of them (a collision
 * among 10,000 lists has odds of about 4 in 10^11, and the primary key would refuse it), and each
 * is repeated in every row and index of its people and their audit trail.
 */
export const newListId = (): string => randomId(12);

/**
 * A person's, group's, token's, photo's, credential's, e-mail's or request's id: 20 characters, the
 * first 10 the time in milliseconds and the last 10 random (50 bits), like a UUID version 7
 * (RFC 9562 §5.7). Indexes keep ids in order: random ones put each new row's entry on a random
 * page of every index that holds them (a person's id is in `users`' primary key, in each e-mail
 * row's index, in the audit trail's `audit_list_target`), each such page written whole to the WAL
 * at the commit, and at a million people read from disk first. Time first, new entries go at each
 * index's end, on a few pages a group of writes shares: an initial sync (a filter and a create per
 * person) wrote 15 % fewer WAL pages and spent 17 % less time in SQLite, and a Bulk load 10 % fewer
 * pages (bench/RESULTS.md, "Ids in time order"); request ids came
 * first ("Request ids in time order"). In one millisecond the order is random; 50 random bits
 * keep ids made in the same millisecond apart (the primary keys refuse a repeat) and unguessable.
 * An id shows about when it was made, as `meta.created` does; no id is a secret (links and codes carry
 * secrets of their own). Ids stay opaque to clients.
 */
export function newId(now = Date.now()): string {
  let time = '';
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time + randomId(10);
}

/** A request's id (x-request-id, the request log, the audit trail): an id like any other (newId). */
export const newRequestId = newId;
