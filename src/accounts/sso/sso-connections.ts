/**
 * An organisation's OpenID Connect connection, as its owner sets it up in the web app (PUT
 * /api/v1/sso): the issuer, the client Muster is registered as (its secret sealed with the
 * installation's key, never shown again), who may come in, and whether passwords still work.
 */
import type { AdminRole, OidcConnectionRow, Store } from '../../store/index.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { ROLES, type AccountContext, type AdminAccounts } from '../admin-accounts.js';
import type { AccessRules } from './claims.js';
import { AddressRefused, type AddressPolicy } from '../../events/address-policy.js';

export class SsoError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 409 | 502, readonly code: string, message: string) {
    super(message);
    this.name = 'SsoError';
  }
}

export interface SsoConnection {
  readonly orgId: string;
  readonly displayName: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly rules: AccessRules;
  readonly passwordsOff: boolean;
  /** Changes whenever the owner saves: cached provider metadata is keyed on it. */
  readonly version: string;
  /** Opens the sealed client secret (only when it is about to be sent to the token endpoint). */
  clientSecret(): string;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CLAIM = /^[A-Za-z0-9_.:/-]{1,100}$/;
const MAX_DOMAINS = 50, MAX_GROUPS = 100;
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const KNOWN = new Set(['displayName', 'issuer', 'clientId', 'clientSecret', 'allowedDomains', 'groupClaim', 'groupRoles', 'defaultRole', 'passwordsOff']);

const bad = (detail: string) => new SsoError(400, 'invalid_body', detail);

function text(v: unknown, name: string, max: number): string {
  if (typeof v !== 'string' || !v.trim() || v.length > max) throw bad(`${name} must be text of 1 to ${max} characters`);
  return v.trim();
}

export function parseRules(row: OidcConnectionRow): AccessRules {
  return {
    allowedDomains: JSON.parse(row.allowed_domains) as string[],
    groupClaim: row.group_claim ?? undefined,
    groupRoles: new Map(JSON.parse(row.group_roles) as [string, AdminRole][]),
    defaultRole: (row.default_role as AdminRole | null) ?? 'viewer',
  };
}

export class SsoConnections {
  constructor(
    private readonly store: Store,
    private readonly accounts: AdminAccounts,
    private readonly secretBox: () => SecretBox,
    /** `addresses`: where the provider may be (provider-fetch.ts); checked again at every connection. */
    private readonly opts: { readonly allowHttp: boolean; readonly addresses?: AddressPolicy },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(orgId: string): Promise<SsoConnection | undefined> {
    const row = await this.store.oidc.get(orgId);
    if (!row) return undefined;
    return {
      orgId, displayName: row.display_name, issuer: row.issuer, clientId: row.client_id, rules: parseRules(row),
      passwordsOff: Number(row.passwords_off) === 1, version: row.updated_at, clientSecret: () => this.secretBox().open(row.client_secret_enc),
    };
  }

  /** What the owner's settings page shows: everything but the secret. */
  async view(orgId: string) {
    const row = await this.store.oidc.get(orgId);
    if (!row) return { configured: false as const };
    const rules = parseRules(row);
    return {
      configured: true as const, displayName: row.display_name, issuer: row.issuer, clientId: row.client_id, clientSecret: '(stored encrypted; never shown)',
      allowedDomains: rules.allowedDomains, groupClaim: rules.groupClaim ?? null, groupRoles: [...rules.groupRoles].map(([group, role]) => ({ group, role })),
      defaultRole: rules.defaultRole, passwordsOff: Number(row.passwords_off) === 1, updatedAt: row.updated_at,
    };
  }

  private issuerUrl(v: unknown): string {
    const s = text(v, 'issuer', 500);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw bad('issuer must be a URL, like https://login.example.com (Muster reads <issuer>/.well-known/openid-configuration)');
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.opts.allowHttp)) throw bad('issuer must be an https:// URL (MUSTER_OIDC_ALLOW_HTTP=true allows http:// for a provider in a lab)');
    if (u.username || u.password || u.search || u.hash) throw bad('issuer must be a plain URL: no credentials, query or fragment');
    // OpenID Connect Discovery 1.0 §4.3: the issuer in the metadata must equal this exactly; keep it as typed.
    return s;
  }

  async configure(orgId: string, b: Record<string, unknown>, ctx: AccountContext) {
    const unknown = Object.keys(b).filter((k) => !KNOWN.has(k));
    if (unknown.length) throw bad(`unknown properties: ${unknown.join(', ')}`);
    const before = await this.store.oidc.get(orgId);
    const displayName = text(b.displayName, 'displayName', 60);
    const issuer = this.issuerUrl(b.issuer);
    // Said at once rather than at the first sign-in; every connection to the provider is checked again.
    try {
      await this.opts.addresses?.checkHost(new URL(issuer).hostname);
    } catch (err) {
      if (err instanceof AddressRefused) throw bad(`issuer: ${err.message}`);
      throw err;
    }
    const clientId = text(b.clientId, 'clientId', 300);
    let secretEnc: string;
    if (b.clientSecret === undefined || b.clientSecret === null || b.clientSecret === '') {
      if (!before) throw bad('enter the client secret your identity provider gave Muster');
      secretEnc = before.client_secret_enc;
    } else {
      secretEnc = this.secretBox().seal(text(b.clientSecret, 'clientSecret', 1000));
    }
    const domainsIn = b.allowedDomains ?? [];
    if (!Array.isArray(domainsIn) || domainsIn.length > MAX_DOMAINS) throw bad(`allowedDomains must be a list of up to ${MAX_DOMAINS} domains`);
    const domains = [...new Set(domainsIn.map((d) => (typeof d === 'string' ? d.trim().toLowerCase().replace(/^@/, '') : '')))];
    for (const d of domains) if (!DOMAIN.test(d)) throw bad(`"${d}" is not a domain like example.org`);
    let groupClaim: string | null = null;
    if (b.groupClaim !== undefined && b.groupClaim !== null && b.groupClaim !== '') {
      groupClaim = text(b.groupClaim, 'groupClaim', 100);
      if (!CLAIM.test(groupClaim) || FORBIDDEN_NAMES.has(groupClaim)) throw bad('groupClaim must be a claim name like groups');
    }
    const pairsIn = b.groupRoles ?? [];
    if (!Array.isArray(pairsIn) || pairsIn.length > MAX_GROUPS) throw bad(`groupRoles must be a list of up to ${MAX_GROUPS} { group, role } entries`);
    const groupRoles = new Map<string, AdminRole>();
    for (const p of pairsIn) {
      const e = p as { group?: unknown; role?: unknown } | null;
      if (typeof e !== 'object' || e === null) throw bad('each of groupRoles is { "group": "…", "role": "owner" | "admin" | "viewer" }');
      const group = text(e.group, 'a group', 300);
      if (!ROLES.includes(e.role as AdminRole)) throw bad(`the role of group "${group}" must be one of ${ROLES.join(', ')}`);
      groupRoles.set(group, e.role as AdminRole);
    }
    if (groupClaim && !groupRoles.size) throw bad('map at least one group to a role, or leave the group claim empty');
    if (!groupClaim && groupRoles.size) throw bad('name the claim that carries the groups (groupClaim, usually "groups")');
    // Without either, anyone with an account at the provider (any Google account) would get in.
    if (!domains.length && !groupClaim) throw bad('allow at least one email domain, or map groups to roles: otherwise anyone with an account at the provider could sign in');
    const defaultRole = b.defaultRole === undefined || b.defaultRole === null ? 'viewer' : b.defaultRole;
    if (!ROLES.includes(defaultRole as AdminRole)) throw bad(`defaultRole must be one of ${ROLES.join(', ')}`);
    if (b.passwordsOff !== undefined && typeof b.passwordsOff !== 'boolean') throw bad('passwordsOff must be true or false');
    const passwordsOff = b.passwordsOff === true;
    const taken = (await this.store.oidc.domainOwners(domains)).filter((d) => d.org_id !== orgId);
    if (taken.length) throw new SsoError(409, 'domain_taken', `${taken.map((d) => d.domain).join(', ')} already signs in to another organisation of this Muster`);
    const now = this.now().toISOString();
    // A save within the same millisecond would keep the cache key: make each version distinct.
    const updatedAt = before && before.updated_at >= now ? new Date(new Date(before.updated_at).getTime() + 1).toISOString() : now;
    try {
      await this.store.transaction((tx) => tx.oidc.put({
        org_id: orgId, display_name: displayName, issuer, client_id: clientId, client_secret_enc: secretEnc, allowed_domains: JSON.stringify(domains),
        group_claim: groupClaim, group_roles: JSON.stringify([...groupRoles]), default_role: defaultRole as AdminRole, passwords_off: passwordsOff ? 1 : 0,
        created_at: before?.created_at ?? now, updated_at: updatedAt,
      }, domains));
    } catch (err) {
      // Another organisation claimed a domain between the check and the write (the domain is the key).
      if ((await this.store.oidc.domainOwners(domains)).some((d) => d.org_id !== orgId)) throw new SsoError(409, 'domain_taken', 'one of these domains already signs in to another organisation of this Muster');
      throw err;
    }
    await this.accounts.log(orgId, 'sso.configured', ctx, displayName, {
      issuer, clientId, allowedDomains: domains, groupClaim, passwordsOff, secretChanged: b.clientSecret !== undefined && b.clientSecret !== null && b.clientSecret !== '',
    });
    return this.view(orgId);
  }

  async remove(orgId: string, ctx: AccountContext): Promise<void> {
    const row = await this.store.oidc.get(orgId);
    if (!row || !(await this.store.transaction((tx) => tx.oidc.remove(orgId)))) throw new SsoError(404, 'not_found', 'this organisation has no single sign-on connection');
    await this.accounts.log(orgId, 'sso.removed', ctx, row.display_name, { issuer: row.issuer });
  }
}
