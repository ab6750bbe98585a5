import { randomFillSync } from 'node:crypto';

/**
 * New identifiers for what Muster stores by the million: people, groups, lists, tokens, photos,
 * credentials and requests. A UUID (36 characters) is stored in every row and every index that
 * names its list, person or token; an id of 20 characters carries 100 random bits (a UUID v4 has
 * 122) in 16 fewer bytes, and a list's or organisation's 12 characters 60 bits, in 24 fewer. At a
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

/** A person's, group's, token's, photo's, credential's or request's id: 20 characters, 100 random bits. */
export const newId = (): string => randomId(20);

/**
 * A list's or organisation's id: 12 characters, 60 random bits. There are few of them (a collision
 * among 10,000 lists has odds of about 4 in 10^11, and the primary key would refuse it), and each
 * is repeated in every row and index of its people and their audit trail.
 */
export const newListId = (): string => randomId(12);

/**
 * A request's id (x-request-id, the request log, the audit trail): 20 characters like newId, the
 * first 10 the time in milliseconds and the last 10 random (50 bits). The request log indexes
 * request ids: random ones put each new row's index entry on a random page of that index, so a
 * batch of 200 log rows changed about 200 pages, each written whole to the WAL when the batch
 * committed (bench/RESULTS.md, "Request ids in time order"). Time first, they go at the index's
 * end, a few pages a batch. In one millisecond the order is random; the id stays opaque to clients.
 */
export function newRequestId(now = Date.now()): string {
  let time = '';
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time + randomId(10);
}
