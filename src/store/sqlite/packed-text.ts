/**
 * Long JSON text stored compressed on SQLite (issue 16, item 3: compact storage): the audit
 * trail's `changes` and `detail`, and the request log's bodies. Not the outbox: its events go
 * after 30 days, and packing each payload cost a write more than the disk it saved. A person's
 * `person.created` event lists every attribute and every roster field it became, about 3 KB of
 * JSON that repeats the same names for every person; DEFLATE (RFC 1951) primed with a preset
 * dictionary of those names stores it in about a tenth of that. PostgreSQL compresses long values
 * itself (TOAST), so only SQLite files hold packed values.
 *
 * A packed value is a BLOB: one format byte, then raw DEFLATE data made with that format's
 * dictionary. Text shorter than the caller's threshold, and text that is not well-formed UTF-16
 * (a lone surrogate would not survive UTF-8), stay TEXT, so a column may hold both, and rows
 * written before packing existed read as they always did. Readers call `unpack` on whatever the
 * column holds; PostgreSQL's text comes back unchanged.
 *
 * Hashes are taken over the text, never the stored bytes (the audit chain, src/audit/audit-trail.ts):
 * a stored value that does not unpack reads as a marker that matches no hash, so verification
 * names the event instead of failing. A dictionary, once released, never changes: rows depend on
 * it. A better one is a new format byte, with the old one kept for reading.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Texts shorter than this stay TEXT. A call into zlib costs this server 50 to 80 µs (it allocates
 * and primes a compressor each time), a tenth of what a PATCH may cost (issue 16: 800 µs): worth it
 * for a person's first event (3 KB to 350 bytes), not for a PATCH's few changes (bench/RESULTS.md, "Compressed JSON on SQLite").
 */
export const PACK_FROM = 1024;

/**
 * Request-log bodies are packed from this length: Bulk requests and large responses. A person's
 * document (about 1.2 KB) stays text: every PATCH would pay a compression for 700 bytes.
 */
export const PACK_BODY_FROM = 4096;

/** Format 1: raw DEFLATE primed with DICTIONARY_1 (any window up to 32 KiB reads it). */
const FORMAT_1 = 1;

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * What SCIM documents, SCIM messages and audit changes repeat: schema URNs, attribute names,
 * the default roster's field keys and the JSON around them. DEFLATE finds nearer strings in fewer
 * bits, so the most frequent come last. Frozen: see above (a test pins its digest).
 */
const DICTIONARY_1 = Buffer.from([
  '{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"","data":',
  '{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[{"location":"","method":"POST","bulkId":"","version":"W/\\"","status":"201"}]}',
  '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false},{"op":"add","path":"","value":""},{"op":"remove","path":"members[value eq \\"',
  '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"',
  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","${ENT}"],"id":"","externalId":"","userName":"","name":{"formatted":"","familyName":"","givenName":"","middleName":""},`,
  '"displayName":"","nickName":"","title":"","userType":"Employee","preferredLanguage":"en-US","locale":"en-US","timezone":"America/New_York","active":true,',
  '"emails":[{"value":"","type":"work","primary":true}],"phoneNumbers":[{"value":"","type":"work"},{"value":"","type":"mobile"}],',
  '"addresses":[{"streetAddress":"","locality":"","region":"","postalCode":"","country":"US","type":"work","primary":true}],',
  `"${ENT}":{"employeeNumber":"","costCenter":"","organization":"","division":"","department":"","manager":{"value":"","displayName":""}},`,
  '"meta":{"resourceType":"User","created":"2026-01-01T00:00:00.000Z","lastModified":"2026-01-01T00:00:00.000Z","location":"https://","version":"W/\\""}}',
  '[{"after":true,"before":null,"field":"active"},{"after":[{"country":"","locality":"","postalCode":"","primary":true,"streetAddress":"","type":"work"}],"before":null,"field":"addresses"},',
  '{"after":"","before":null,"field":"displayName"},{"after":[{"primary":true,"type":"work","value":""}],"before":null,"field":"emails"},{"after":"","before":null,"field":"externalId"},',
  '{"after":"","before":null,"field":"locale"},{"after":"","before":null,"field":"name.familyName"},{"after":"","before":null,"field":"name.formatted"},{"after":"","before":null,"field":"name.givenName"},',
  '{"after":"","before":null,"field":"name.middleName"},{"after":"","before":null,"field":"nickName"},',
  '{"after":[{"type":"work","value":""},{"type":"mobile","value":""}],"before":null,"field":"phoneNumbers"},{"after":"","before":null,"field":"preferredLanguage"},',
  '{"after":"","before":null,"field":"timezone"},{"after":"","before":null,"field":"title"},',
  `{"after":"","before":null,"field":"${ENT}:costCenter"},{"after":"","before":null,"field":"${ENT}:department"},{"after":"","before":null,"field":"${ENT}:division"},`,
  `{"after":"","before":null,"field":"${ENT}:employeeNumber"},{"after":"","before":null,"field":"${ENT}:manager.value"},{"after":"","before":null,"field":"${ENT}:organization"},`,
  '{"after":"","before":null,"field":"userName"},{"after":"","before":null,"field":"userType"},{"after":true,"before":null,"field":"roster:active"},{"after":"","before":null,"field":"roster:city"},',
  '{"after":"","before":null,"field":"roster:cost_centre"},{"after":"","before":null,"field":"roster:country"},{"after":"","before":null,"field":"roster:department"},',
  '{"after":"","before":null,"field":"roster:display_name"},{"after":"","before":null,"field":"roster:division"},{"after":"","before":null,"field":"roster:employee_number"},',
  '{"after":"","before":null,"field":"roster:external_id"},{"after":"","before":null,"field":"roster:first_name"},{"after":"","before":null,"field":"roster:full_name"},',
  '{"after":"","before":null,"field":"roster:job_title"},{"after":"","before":null,"field":"roster:last_name"},{"after":"","before":null,"field":"roster:locale"},',
  '{"after":"","before":null,"field":"roster:manager"},{"after":"","before":null,"field":"roster:middle_name"},{"after":"","before":null,"field":"roster:mobile_phone"},',
  '{"after":"","before":null,"field":"roster:nickname"},{"after":"","before":null,"field":"roster:organisation"},{"after":"","before":null,"field":"roster:other_email"},',
  '{"after":"","before":null,"field":"roster:postal_code"},{"after":"","before":null,"field":"roster:street_address"},{"after":"","before":null,"field":"roster:time_zone"},',
  '{"after":"","before":null,"field":"roster:user_type"},{"after":"","before":null,"field":"roster:username"},{"after":"","before":null,"field":"roster:work_email"},',
  '{"after":"","before":null,"field":"roster:work_phone"}]',
].join(''), 'utf8');

/** For the test that pins it. */
export const DICTIONARY_1_BYTES: Buffer = DICTIONARY_1;

/** What a column holds: SQLite answers a BLOB as a Buffer (better-sqlite3), TEXT as a string. */
export type Stored = string | Uint8Array;

/** `text` as SQLite should store it: a BLOB when packing pays (from `from` characters), else the text itself. */
export function pack(text: string, from = PACK_FROM): Stored {
  if (text.length < from || !text.isWellFormed()) return text;
  // An 8 KiB window reaches the dictionary from anywhere in a 3 KB text, and with memLevel 4 the
  // compressor's state is 40 KB instead of zlib's default 256 KB, allocated and freed per call:
  // the same bytes out, for less of the server's time (bench/RESULTS.md, "Compressed JSON on SQLite").
  const z = deflateRawSync(text, { level: 6, dictionary: DICTIONARY_1, windowBits: 13, memLevel: 4 });
  const out = Buffer.allocUnsafe(z.length + 1);
  out[0] = FORMAT_1;
  z.copy(out, 1);
  return out.length < Buffer.byteLength(text) ? out : text;
}

/** `pack` for a nullable column. */
export const packOrNull = (text: string | null, from = PACK_FROM): Stored | null => (text === null ? null : pack(text, from));

/** The text a column holds, packed or not. A value that does not unpack reads as a marker no hash matches. */
export function unpack(v: Stored): string;
export function unpack(v: Stored | null): string | null;
export function unpack(v: Stored | null): string | null {
  if (v === null || typeof v === 'string') return v;
  try {
    if (v[0] !== FORMAT_1) throw new Error(`unknown format ${v[0]}`);
    return inflateRawSync(v.subarray(1), { dictionary: DICTIONARY_1 }).toString('utf8');
  } catch (err) {
    return `[stored value of ${v.length} bytes that does not unpack: ${(err as Error).message}]`;
  }
}
