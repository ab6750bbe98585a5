/**
 * How much one SCIM request may ask for (issue 12, defect 4). The body limit
 * (MUSTER_MAX_BODY_BYTES) bounds the bytes; these bound the work those bytes can describe, so that
 * no request holds the event loop for long and no stored resource grows without end. Each limit
 * is far above what identity providers send: Entra ID and Okta send one PATCH operation per
 * changed attribute, and group members in batches (Okta's SCIM submission guide allows membership
 * updates batched in smaller PATCH requests, https://github.com/okta/okta-developer-docs/pull/2105;
 * AWS IAM Identity Center, itself a SCIM server, accepts 100 membership changes per request,
 * https://docs.aws.amazon.com/singlesignon/latest/developerguide/patchgroup.html). Every limit is
 * documented in docs/scim.md ("Limits"); past one the answer is 400 invalidValue naming it.
 */
import { invalidValue } from './errors.js';
import { isObject, type Doc } from './json.js';

/** Operations in one PatchOp (RFC 7644 §3.5.2 sets no limit; RFC 7643 §5 has no attribute to advertise one). */
export const MAX_PATCH_OPERATIONS = 1000;

/**
 * Values of one multi-valued attribute (emails, phoneNumbers, addresses, entitlements, roles, …,
 * and arrays in custom extensions) in one request, and in a stored resource after a write.
 */
export const MAX_ATTRIBUTE_VALUES = 1000;

/**
 * Values one PATCH may examine in total: a value filter (`emails[type eq "work"]`), a sub-attribute
 * of a multi-valued attribute (`emails.type`) or a remove by value looks at every value of the
 * attribute, so N such operations on an attribute of M values cost N×M. Real requests examine a
 * few dozen; this allows, say, 20 filtered operations on an attribute of 1,000 values.
 */
export const MAX_PATCH_VALUE_VISITS = 20_000;

/** Group members named in one request (POST/PUT `members`, or all PATCH member operations together). */
export const MAX_MEMBERS_PER_REQUEST = 10_000;

export function tooManyOperations(n: number): never {
  throw invalidValue(`a PATCH request may hold at most ${MAX_PATCH_OPERATIONS} operations; this one has ${n} (send the changes in several requests)`);
}

export function tooManyValues(attribute: string, n: number): never {
  throw invalidValue(`"${attribute}" may have at most ${MAX_ATTRIBUTE_VALUES} values in one request or resource; this request makes ${n}`);
}

export function tooManyVisits(): never {
  throw invalidValue(`this PATCH request's value filters and paths would examine more than ${MAX_PATCH_VALUE_VISITS} values in total (operations × values of the attributes they select from); send the changes in several requests`);
}

export function tooManyMembers(n: number): never {
  throw invalidValue(`one request may name at most ${MAX_MEMBERS_PER_REQUEST} group members; this one names ${n} (send them in several PATCH requests)`);
}

/** Counts values per attribute across the operations of one request and refuses past the limit. */
export class ValueCounter {
  private readonly counts = new Map<string, number>();
  private members = 0;
  private visits = 0;

  /** `n` values examined by one operation (a value filter, a sub-attribute path, a remove by value). */
  visit(n: number): void {
    this.visits += n;
    if (this.visits > MAX_PATCH_VALUE_VISITS) tooManyVisits();
  }

  /** `n` more values for `attribute` (a label such as `emails` or `urn:…:User:roles`). */
  add(attribute: string, n: number): void {
    const total = (this.counts.get(attribute.toLowerCase()) ?? 0) + n;
    if (total > MAX_ATTRIBUTE_VALUES) tooManyValues(attribute, total);
    this.counts.set(attribute.toLowerCase(), total);
  }

  addMembers(n: number): void {
    this.members += n;
    if (this.members > MAX_MEMBERS_PER_REQUEST) tooManyMembers(this.members);
  }
}

/** The arrays of a document (top level and inside extension objects), as label → length. */
function arrayLengths(doc: Doc): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'schemas' || k === 'members') continue;
    if (Array.isArray(v)) out.set(k, v.length);
    else if (isObject(v) && k.includes(':')) {
      for (const [ek, ev] of Object.entries(v)) if (Array.isArray(ev)) out.set(`${k}:${ek}`, ev.length);
    }
  }
  return out;
}

/**
 * Refuses a request body (POST/PUT, before any coercion) whose multi-valued attributes or
 * `members` are over the limits. Cheap: it reads array lengths only.
 */
export function checkBodyCounts(body: unknown): void {
  if (!isObject(body)) return;
  for (const [k, n] of arrayLengths(body)) if (n > MAX_ATTRIBUTE_VALUES) tooManyValues(k, n);
  const members = Object.entries(body).find(([k]) => k.toLowerCase() === 'members')?.[1];
  if (Array.isArray(members) && members.length > MAX_MEMBERS_PER_REQUEST) tooManyMembers(members.length);
}

/**
 * After a PATCH: refuses a document that a write made hold more values than the limit in one
 * attribute. An attribute that already held more (stored before the limit existed) may stay as
 * it is or shrink, so such a person can still be deactivated.
 */
export function checkGrownCounts(before: Doc, after: Doc): void {
  const was = arrayLengths(before);
  for (const [k, n] of arrayLengths(after)) if (n > MAX_ATTRIBUTE_VALUES && n > (was.get(k) ?? 0)) tooManyValues(k, n);
}
