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

/** How Graph's properties land in SCIM (docs/entra-sync.md has this table). */
export function graphUserToScim(u: G, managerPersonId?: string): Record<string, unknown> {
  const phones: { value: string; type: string; primary?: boolean }[] = [];
  for (const p of Array.isArray(u.businessPhones) ? u.businessPhones : []) if (str(p)) phones.push({ value: String(p), type: 'work' });
  if (str(u.mobilePhone)) phones.push({ value: String(u.mobilePhone), type: 'mobile' });
  const ent: Record<string, unknown> = {};
  if (str(u.employeeId)) ent.employeeNumber = u.employeeId;
  if (str(u.department)) ent.department = u.department;
  if (str(u.companyName)) ent.organization = u.companyName;
  if (managerPersonId) ent.manager = { value: managerPersonId };
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

/** The manager's Graph id from `manager@delta` (users delta with `$select=manager`) or an expanded `manager`, if any. */
export function managerIdOf(u: G): string | undefined {
  const expanded = u.manager as G | null | undefined; // GET users/{id}?$expand=manager($select=id)
  if (expanded && typeof expanded === 'object' && str(expanded.id)) return str(expanded.id);
  const d = u['manager@delta'];
  if (Array.isArray(d)) {
    const m = d.find((x) => typeof x === 'object' && x !== null && !('@removed' in x)) as G | undefined;
    return m ? str(m.id) : undefined;
  }
  return undefined;
}
