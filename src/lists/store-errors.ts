/**
 * Storage reports domain failures in its own words (store/ never builds wire errors); the SCIM
 * services name them on the wire, RFC 7644 §3.12: a unique index refusing a write is 409
 * `uniqueness`, a filter or sortBy the compiler cannot use is 400 `invalidFilter`.
 */
import { invalidFilter, uniqueness } from '../scim/errors.js';
import { FilterProblem, UniqueViolation } from '../store/index.js';

export function scimErrorOf(err: unknown): unknown {
  if (err instanceof UniqueViolation) return uniqueness(err.detail);
  if (err instanceof FilterProblem) return invalidFilter(err.detail);
  return err;
}

/** Awaits a storage call, mapping what storage reports into SCIM errors. */
export async function scimWrite<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw scimErrorOf(err);
  }
}

/** Runs a storage function (the filter compiler), mapping what storage reports into SCIM errors. */
export function scimCompile<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw scimErrorOf(err);
  }
}
