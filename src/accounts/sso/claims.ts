/**
 * Pure rules of sign-in with an organisation's OpenID Connect provider: who may come in, and with
 * which role, from the claims of an ID token openid-client has already validated. No I/O.
 */
import type { AdminRole } from '../../store/index.js';

export const ROLE_RANK: ReadonlyMap<AdminRole, number> = new Map([['viewer', 0], ['admin', 1], ['owner', 2]]);

/** What a connection decides with (a row of oidc_connections, parsed). */
export interface AccessRules {
  /** Lower-case email domains; empty: any domain (then a group claim must decide). */
  readonly allowedDomains: readonly string[];
  /** The claim holding the person's groups (`groups` at Okta and Entra ID); undefined: no group mapping. */
  readonly groupClaim: string | undefined;
  /** Group value to role. */
  readonly groupRoles: ReadonlyMap<string, AdminRole>;
  /** The role of a new account when no group claim is configured. */
  readonly defaultRole: AdminRole;
}

export type Verdict =
  | { readonly ok: true; readonly email: string; readonly name: string; readonly role: AdminRole | undefined }
  | { readonly ok: false; readonly code: 'email_missing' | 'email_unverified' | 'domain_not_allowed' | 'group_not_mapped'; readonly detail: string; readonly email?: string };

/** The most groups read from one claim: a token is bounded, but a walk of input must be too. */
const MAX_GROUPS = 2000;

/** A claim read without walking the prototype chain (CONVENTIONS 14: input never becomes a key lookup on a plain object). */
const own = (claims: Readonly<Record<string, unknown>>, name: string): unknown => (Object.hasOwn(claims, name) ? claims[name] : undefined);

/**
 * Whether the provider vouches for the address. `email_verified` is OpenID Connect Core 1.0 §5.1;
 * Microsoft Entra ID sends no `email_verified` and offers the optional claim `xms_edov` ("email
 * domain owner verified") instead (learn.microsoft.com/entra/identity-platform/optional-claims-reference).
 * An unverified address is never matched to an account: anyone could claim an owner's address.
 */
export function emailVerified(claims: Readonly<Record<string, unknown>>): boolean {
  const v = own(claims, 'email_verified'), edov = own(claims, 'xms_edov');
  return v === true || v === 'true' || edov === true || edov === 'true' || edov === '1' || edov === 1;
}

export function decide(claims: Readonly<Record<string, unknown>>, rules: AccessRules): Verdict {
  const raw = own(claims, 'email');
  if (typeof raw !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(raw.trim()) || raw.length > 320) {
    return { ok: false, code: 'email_missing', detail: 'the identity provider sent no email address (ask for the "email" scope, and give the person an address)' };
  }
  const email = raw.trim().toLowerCase();
  if (!emailVerified(claims)) return { ok: false, code: 'email_unverified', detail: `the identity provider does not say ${email} is verified`, email };
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (rules.allowedDomains.length && !rules.allowedDomains.includes(domain)) {
    return { ok: false, code: 'domain_not_allowed', detail: `${domain} is not among this organisation's allowed domains`, email };
  }
  const nameClaim = own(claims, 'name');
  const name = typeof nameClaim === 'string' && nameClaim.trim() ? nameClaim.trim().slice(0, 200) : email;
  if (!rules.groupClaim) return { ok: true, email, name, role: undefined };
  const groups = own(claims, rules.groupClaim);
  const list = Array.isArray(groups) ? groups.slice(0, MAX_GROUPS) : typeof groups === 'string' ? [groups] : [];
  let best: AdminRole | undefined;
  for (const g of list) {
    if (typeof g !== 'string') continue;
    const role = rules.groupRoles.get(g);
    if (role && (best === undefined || ROLE_RANK.get(role)! > ROLE_RANK.get(best)!)) best = role;
  }
  if (!best) return { ok: false, code: 'group_not_mapped', detail: `none of the groups in the "${rules.groupClaim}" claim is mapped to a Muster role`, email };
  return { ok: true, email, name, role: best };
}

/**
 * Why an ID token's `sub` cannot name an account, or undefined when it can. OpenID Connect Core 1.0
 * §2: "a locally unique and never reassigned identifier ... It MUST NOT exceed 255 ASCII characters
 * in length". openid-client checks only that it is there. A subject with a control character
 * (NUL, which PostgreSQL text refuses) or outside ASCII (a lone surrogate, or look-alike letters)
 * would be stored as an account's binding, so it is refused with the token.
 */
export function subjectProblem(sub: unknown): string | undefined {
  if (typeof sub !== 'string' || sub.length === 0) return 'its sub claim is missing or not a string';
  if (sub.length > 255) return `its sub claim has ${sub.length} characters; OpenID Connect allows at most 255`;
  if (/[^\x20-\x7e]/.test(sub)) return 'its sub claim holds characters outside printable ASCII';
  return undefined;
}
