/**
 * A write refused by a unique index, with a sentence naming the attribute. Storage reports it
 * and never builds wire errors: the services map it (src/lists/store-errors.ts: SCIM's 409
 * `uniqueness`, RFC 7644 §3.12).
 */
export class UniqueViolation extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'UniqueViolation';
  }
}

/**
 * Turns a unique-index violation from either engine into a UniqueViolation naming the
 * attribute. Anything else is rethrown untouched.
 */
const MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/users_list_user_name|users\.list_id, users\.user_name_lc/, 'userName is already used by another user of this list'],
  [/users_list_external_id_key|users\.list_id, users\.external_id_key/, 'externalId is already used by another user of this list'],
  [/groups_list_external_id_key|groups\.list_id, groups\.external_id_key/, 'externalId is already used by another group of this list'],
];

export function rethrowUnique(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string };
  const isUnique = e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE';
  if (isUnique) {
    const where = `${e.constraint ?? ''} ${e.message ?? ''}`;
    for (const [re, msg] of MESSAGES) if (re.test(where)) throw new UniqueViolation(msg);
    throw new UniqueViolation('a unique attribute of this resource is already in use');
  }
  throw err;
}

/** True for a unique or primary-key violation on either engine (a concurrent insert of the same row). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
