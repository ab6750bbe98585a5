/**
 * A Microsoft Graph user as the SCIM User Muster stores, so Entra pull sync writes people through
 * the same code path, mapping, audit trail and roster as SCIM push. Properties SCIM has no place
 * for (officeLocation, onPremisesExtensionAttributes) go to Muster's Entra extension, where the
 * mapping editor can pick them like any custom extension attribute.
 */
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../scim/schemas/index.js';

export const ENTRA_EXTENSION = 'urn:ietf:params:scim:schemas:extension:muster:entra:2.0:User';

/** The Graph user properties read by sync (`$select`). */
export const GRAPH_USER_SELECT = [
  'id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'employeeId', 'jobTitle', 'department', 'companyName',
  'officeLocation', 'mobilePhone', 'businessPhones', 'employeeType', 'accountEnabled', 'onPremisesExtensionAttributes',
] as const;

type G = Readonly<Record<string, unknown>>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * How Graph's properties land in SCIM (docs/entra-sync.md has this table). `manager` is the
 * enterprise `manager` value to store (the manager's person on the list), or undefined for none.
 */
export function graphUserToScim(u: G, manager?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const phones: { value: string; type: string; primary?: boolean }[] = [];
  for (const p of Array.isArray(u.businessPhones) ? u.businessPhones : []) if (str(p)) phones.push({ value: String(p), type: 'work' });
  if (str(u.mobilePhone)) phones.push({ value: String(u.mobilePhone), type: 'mobile' });
  const ent: Record<string, unknown> = {};
  if (str(u.employeeId)) ent.employeeNumber = u.employeeId;
  if (str(u.department)) ent.department = u.department;
  if (str(u.companyName)) ent.organization = u.companyName;
  if (manager) ent.manager = manager;
  const entra: Record<string, unknown> = {};
  if (str(u.officeLocation)) entra.officeLocation = u.officeLocation;
  if (str(u.employeeType)) entra.employeeType = u.employeeType;
  const ext = (u.onPremisesExtensionAttributes ?? {}) as G;
  for (let i = 1; i <= 15; i++) if (str(ext[`extensionAttribute${i}`])) entra[`extensionAttribute${i}`] = ext[`extensionAttribute${i}`];
  const name: Record<string, unknown> = {};
  if (str(u.givenName)) name.givenName = u.givenName;
  if (str(u.surname)) name.familyName = u.surname;
  const doc: Record<string, unknown> = {
    schemas: [USER_SCHEMA, ...(Object.keys(ent).length ? [ENTERPRISE_USER_SCHEMA] : []), ...(Object.keys(entra).length ? [ENTRA_EXTENSION] : [])],
    userName: str(u.userPrincipalName) ?? String(u.id),
    externalId: String(u.id),
    active: u.accountEnabled !== false,
  };
  if (str(u.displayName)) doc.displayName = u.displayName;
  if (Object.keys(name).length) doc.name = name;
  if (str(u.mail)) doc.emails = [{ value: u.mail, type: 'work', primary: true }];
  if (str(u.jobTitle)) doc.title = u.jobTitle;
  if (str(u.employeeType)) doc.userType = u.employeeType;
  if (phones.length) doc.phoneNumbers = phones;
  if (Object.keys(ent).length) doc[ENTERPRISE_USER_SCHEMA] = ent;
  if (Object.keys(entra).length) doc[ENTRA_EXTENSION] = entra;
  return doc;
}

/**
 * What a Graph user object says about the user's manager:
 * - `set`: the manager is this Graph user (`manager@delta` with a link, or an expanded `manager`);
 * - `removed`: no manager (`manager@delta` holding only `@removed` links, or `manager: null`);
 * - `unchanged`: nothing said. In a delta round that means the link did not change: Graph returns a
 *   navigation property only when it changed (learn.microsoft.com/graph/api/user-delta, and
 *   learn.microsoft.com/graph/delta-query-overview), so absence is not "no manager". `complete`
 *   objects (a first round, which returns every current link, or a read by id with
 *   `$expand=manager`) say everything, and there absence means no manager.
 * An id that is not well-formed text is no usable reference: treated as saying nothing.
 */
export type ManagerChange = { readonly kind: 'set'; readonly id: string } | { readonly kind: 'removed' } | { readonly kind: 'unchanged' };

export function managerChangeOf(u: G, complete: boolean): ManagerChange {
  const absent: ManagerChange = complete ? { kind: 'removed' } : { kind: 'unchanged' };
  if ('manager' in u) {
    const expanded = u.manager as G | null | undefined; // GET users/{id}?$expand=manager($select=id)
    if (expanded === null) return { kind: 'removed' };
    if (typeof expanded === 'object' && str(expanded.id)) return isWellFormedText(expanded.id as string) ? { kind: 'set', id: expanded.id as string } : { kind: 'unchanged' };
  }
  const d = u['manager@delta'];
  if (!Array.isArray(d)) return absent;
  const links = d.filter((x): x is G => typeof x === 'object' && x !== null);
  const m = links.find((x) => !('@removed' in x));
  if (m) {
    const id = str(m.id);
    return id && isWellFormedText(id) ? { kind: 'set', id } : { kind: 'unchanged' };
  }
  return { kind: 'removed' };
}

/**
 * Text a database stores as given: well-formed UTF-16 (no lone surrogate, which SQLite and
 * PostgreSQL store as U+FFFD or refuse, so the audit chain's hash of what was written no longer
 * matches what is read back) and no NUL (PostgreSQL text cannot hold U+0000). ES2024's
 * String.prototype.isWellFormed is not in Node 20's TypeScript lib, hence the expression.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const ILL_FORMED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;
const ILL_FORMED_ALL = new RegExp(ILL_FORMED.source, 'g');

export function isWellFormedText(s: string): boolean {
  return !ILL_FORMED.test(s);
}

/** Lone surrogates become U+FFFD (as TextEncoder and String.prototype.toWellFormed do); NULs are dropped. */
export function repairText(s: string): string {
  return s.replace(ILL_FORMED_ALL, (c) => (c === '\u0000' ? '' : '\uFFFD'));
}

/** The descriptive string properties of a Graph user (everything read except its identity: id and userPrincipalName). */
const DESCRIPTIVE = GRAPH_USER_SELECT.filter((p) => p !== 'id' && p !== 'userPrincipalName' && p !== 'accountEnabled');

export interface CheckedGraphUser {
  /** The user, with descriptive text repaired (a copy, when anything was). */
  readonly user: G;
  /** Why the user cannot be written at all: its id or userPrincipalName is not well-formed text. */
  readonly refused?: string;
  /** Properties whose text was repaired. */
  readonly repaired: readonly string[];
}

/**
 * Checks the text of a Graph user before it is written, property by property:
 * - `id` and `userPrincipalName` are who the person is (externalId, userName): no repair could be
 *   trusted to name the same person on every round, so such a user is refused and the run
 *   records the problem;
 * - descriptive properties (names, title, department, phones, extension attributes…) are repaired
 *   (a lone surrogate becomes U+FFFD, NUL is dropped) and the run records which, so one bad
 *   character in a job title neither hides the person nor keeps them active after Entra disabled them.
 */
export function checkGraphUser(u: G): CheckedGraphUser {
  if (typeof u.id !== 'string' || !isWellFormedText(u.id)) return { user: u, refused: 'its Entra id is not well-formed text', repaired: [] };
  if (typeof u.userPrincipalName === 'string' && !isWellFormedText(u.userPrincipalName)) {
    return { user: u, refused: 'its userPrincipalName is not well-formed Unicode or contains NUL', repaired: [] };
  }
  const repaired: string[] = [];
  let out: Record<string, unknown> | undefined;
  const fix = (v: unknown): unknown => (typeof v === 'string' && !isWellFormedText(v) ? repairText(v) : v);
  for (const p of DESCRIPTIVE) {
    const v = u[p];
    let fixed: unknown = v;
    if (typeof v === 'string') fixed = fix(v);
    else if (Array.isArray(v)) fixed = v.some((x) => fix(x) !== x) ? v.map(fix) : v;
    else if (v && typeof v === 'object') {
      const entries = Object.entries(v as G);
      if (entries.some(([, x]) => fix(x) !== x)) {
        const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // keys come from Graph
        for (const [k, x] of entries) copy[k] = fix(x);
        fixed = copy;
      }
    }
    if (fixed !== v) {
      out ??= { ...u };
      out[p] = fixed;
      repaired.push(p);
    }
  }
  return { user: out ?? u, repaired };
}
