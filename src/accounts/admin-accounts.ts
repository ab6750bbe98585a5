import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_SECURITY_ACTIONS, type AccountContext, type AdminRole, type AdminRow, type Organisation, type Store } from '../store/index.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { newListId } from '../runtime/ids.js';

/**
 * Admin accounts of the web app: the first-run owner, sign-in with a backoff per (account,
 * address) after repeated failures, server-side sessions, and the owner's management of other
 * accounts. Every account belongs to one organisation and sees only its lists.
 */
export const ROLES: readonly AdminRole[] = ['owner', 'admin', 'viewer'];
/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 12 * 3600_000;
/** …and after this long in any case (OWASP Session Management: absolute timeout). */
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600_000;
const TOUCH_EVERY_MS = 60_000;
/**
 * Failed sign-ins in a row from one client address to one account before that address must wait
 * (1 s, then twice as long after each further failure, up to MAX_BACKOFF_MS). Only that address
 * waits: an attacker guessing from theirs never locks the real admin out of the account from
 * another (OWASP Authentication Cheat Sheet, "Account Lockout": lockouts let attackers deny service).
 */
export const FREE_SIGN_IN_FAILURES = 5;
export const MAX_BACKOFF_MS = 15 * 60_000;
/** Distinct delays before the cap: 1 s · 2^10 passes 15 minutes. */
const BACKOFF_STEPS = FREE_SIGN_IN_FAILURES + 10;
/** The wait after the `n`th failure in a row from one address (counted before the password is checked). */
export const backoffMs = (n: number): number => (n < FREE_SIGN_IN_FAILURES ? 0 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(20, n - FREE_SIGN_IN_FAILURES)));
/** A pair that has not failed for this long starts afresh. */
const BACKOFF_FORGET_MS = 24 * 3600_000;
/** How long a password set by `muster admins reset-password` opens an owner's account while passwords are off (break-glass). */
export const BREAK_GLASS_MS = 3600_000;
/** The password hash of an account made by single sign-on: not a scrypt hash, so no password ever matches it. */
const NO_PASSWORD = '!sso';

export type { AccountContext };

export const SECURITY_ACTIONS = [
  'admin.setup', 'admin.signed_in', 'admin.sign_in_failed', 'admin.locked', 'admin.signed_out', 'admin.created', 'admin.role_changed',
  'admin.removed', 'admin.unlocked', 'admin.password_reset', 'admin_key.created',
  // Operator changes of email and wallets (issue 14): settings that decide what the organisation's
  // people receive and under whose name, so they are kept with the sign-ins and account changes.
  'email.settings_changed', 'email.template_saved', 'email.template_reset', 'card_ready_email.changed',
  'admin.installation_owner', 'installation.apple_wallet_set', 'installation.apple_wallet_removed',
  'installation.google_wallet_set', 'installation.google_wallet_removed',
  // Sign-in with the organisation's OpenID Connect provider (docs/sso.md).
  'admin.sso_signed_in', 'admin.sso_refused', 'admin.sso_created', 'admin.break_glass_sign_in', 'sso.configured', 'sso.removed',
  // OpenID Connect Core 1.0 §5.7: an account is bound to the provider's iss and sub at its first
  // single sign-on; the address then follows the provider's.
  'admin.sso_linked', 'admin.sso_email_changed',
  // Webhook endpoints (docs/webhooks.md): where the organisation's people's changes are sent, and
  // the secret that signs them, are operator changes too.
  ...WEBHOOK_SECURITY_ACTIONS,
] as const;
export type SecurityAction = (typeof SECURITY_ACTIONS)[number];

export class AccountError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 409 | 429, readonly code: string, message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

/** Sign-in refused before any password work: this address failed too often for this account (429 with Retry-After). */
export class SignInBackoff extends AccountError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_attempts', `too many failed sign-ins to this account from your address; try again in ${retryAfterSeconds} s (sign-ins from other addresses are not slowed)`);
  }
}

export interface AdminView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: AdminRole;
  readonly orgId: string;
  readonly createdAt: string;
  readonly lastSignInAt: string | null;
  /**
   * The installation's owner (migration 024): an owner who may also set the installation's own
   * wallet credentials, which every organisation without its own issues passes under.
   */
  readonly installationOwner: boolean;
}

/** Who the organisation's identity provider says signed in, after its ID token was validated (src/accounts/sso/oidc-sign-in.ts). */
export interface FederatedIdentity {
  readonly email: string;
  readonly name: string;
  /** The role the group claim maps to; undefined when the connection maps no groups. */
  readonly role: AdminRole | undefined;
  /** The role of an account made at first sign-in when no group decides. */
  readonly defaultRole: AdminRole;
  /** The connection's name, for the security log. */
  readonly provider: string;
  /**
   * Who the person is at the provider: the ID token's `iss` and `sub`, "the only Claims that an RP
   * can rely upon as a stable identifier for the End-User" (OpenID Connect Core 1.0 §5.7).
   */
  readonly issuer: string;
  readonly subject: string;
  /** The connection's client ID: the `sub` a provider gives may differ per application (Entra ID's does). */
  readonly clientId: string;
}

export interface SessionInfo {
  readonly admin: AdminView;
  readonly organisation: Organisation;
  readonly csrfToken: string;
  /** The cookie value; only set when the session was just created. */
  readonly cookie?: string;
  readonly expiresAt: string;
}

const view = (r: Omit<AdminRow, 'break_glass_until' | 'sso_issuer' | 'sso_client_id' | 'sso_subject'>): AdminView => ({
  id: r.id, email: r.email, name: r.name, role: r.role as AdminRole, orgId: r.org_id, createdAt: r.created_at, lastSignInAt: r.last_sign_in_at,
  installationOwner: Number(r.installation_owner ?? 0) === 1 && r.role === 'owner',
});
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email.trim()) || email.length > 320) throw new AccountError(400, 'invalid_body', 'enter an email address like name@example.org');
  return email.trim().toLowerCase();
}
function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim() || name.length > 200) throw new AccountError(400, 'invalid_body', 'enter a name (up to 200 characters)');
  return name.trim();
}
function checkPassword(password: unknown): string {
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(400, 'invalid_body', problem);
  return password as string;
}
function checkRole(role: unknown): AdminRole {
  if (!ROLES.includes(role as AdminRole)) throw new AccountError(400, 'invalid_body', `role must be one of ${ROLES.join(', ')}`);
  return role as AdminRole;
}

export class AdminAccounts {
  private nextBackoffSweep = 0;

  /** `limitsNow` (epoch ms): the clock of the sign-in backoff, shared with the rate limits (tests freeze it). */
  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date(), private readonly limitsNow: () => number = Date.now) {}

  /** Now and then (any node), forgets (account, address) pairs that stopped failing a day ago. */
  private sweepBackoff(now: number): void {
    if (now < this.nextBackoffSweep) return;
    this.nextBackoffSweep = now + 3600_000;
    void this.store.limits.sweepSignIns(now - BACKOFF_FORGET_MS).catch(() => undefined);
  }

  /** Records one event in the organisation's security log (GET /api/v1/security-events). */
  async log(orgId: string, action: SecurityAction, ctx: AccountContext, target?: string | null, detail?: Record<string, unknown>): Promise<void> {
    await this.store.admins.logSecurity({
      org_id: orgId, time: this.now().toISOString(), action, actor: ctx.actor, target: target ?? null,
      detail: detail ? JSON.stringify(detail) : null, address: ctx.address ?? null,
    });
  }

  async securityEvents(orgId: string, limit: number, before?: number) {
    const fetched = await this.store.admins.securityEvents(orgId, limit + 1, before);
    const rows = fetched.slice(0, limit);
    return {
      events: rows.map((r) => ({ id: Number(r.id), time: r.time, action: r.action, actor: r.actor, target: r.target, detail: r.detail ? JSON.parse(r.detail) as unknown : null, address: r.address })),
      next: fetched.length > limit ? Number(rows[rows.length - 1]!.id) : null,
    };
  }

  async setupRequired(): Promise<boolean> {
    return (await this.store.admins.count()) === 0;
  }

  /**
   * First run: creates the owner. The organisation that already exists alone (the demo list's)
   * is adopted and renamed, so the owner sees the lists made before there were accounts.
   */
  async setUp(input: { organisation?: unknown; name?: unknown; email?: unknown; password?: unknown }, userAgent?: string, address?: string): Promise<SessionInfo> {
    if (!(await this.setupRequired())) throw new AccountError(409, 'already_set_up', 'Muster already has an owner; sign in instead');
    const orgName = typeof input.organisation === 'string' && input.organisation.trim() ? input.organisation.trim().slice(0, 200) : undefined;
    if (!orgName) throw new AccountError(400, 'invalid_body', 'enter the name of your organisation');
    const email = checkEmail(input.email), name = checkName(input.name), password = checkPassword(input.password);
    const hash = await hashPassword(password);
    const id = randomUUID();
    let orgId = '';
    await this.store.transaction(async (tx) => {
      // The singleton row makes a racing second set-up wait for this one and then fail on its key.
      if (!(await tx.admins.claimSingleton('owner-setup', this.now().toISOString())) || (await tx.admins.count()) > 0) {
        throw new AccountError(409, 'already_set_up', 'Muster already has an owner; sign in instead');
      }
      const orgs = await tx.lists.organisations();
      let org = orgs.length === 1 ? orgs[0]! : undefined;
      if (org) await tx.lists.renameOrganisation(org.id, orgName);
      else org = await tx.lists.createOrganisation(newListId(), orgName, this.now().toISOString());
      // Whoever sets Muster up installed it: they own the installation too (its wallet credentials).
      await tx.admins.insert({ id, org_id: org.id, email, name, role: 'owner', password_hash: hash, created_at: this.now().toISOString(), last_sign_in_at: this.now().toISOString(), failed_attempts: 0, locked_until: null, installation_owner: 1 });
      orgId = org.id;
    });
    await this.log(orgId, 'admin.setup', { actor: `admin:${email}`, ...(address ? { address } : {}) }, email, { organisation: orgName });
    return this.startSession(id, userAgent);
  }

  /** An account made from the command line (`muster admins create`) or by an owner. */
  async create(orgId: string, input: { email?: unknown; name?: unknown; role?: unknown; password?: unknown }, ctx: AccountContext = { actor: 'cli' }): Promise<AdminView> {
    const email = checkEmail(input.email), name = checkName(input.name), role = checkRole(input.role ?? 'admin'), password = checkPassword(input.password);
    if (await this.store.admins.byEmail(email)) throw new AccountError(409, 'admin_exists', `there is already an account for ${email}`);
    // The first owner made from the command line, before any web set-up, owns the installation.
    const installationOwner = role === 'owner' && !(await this.store.admins.hasInstallationOwner()) ? 1 : 0;
    const row = { id: randomUUID(), org_id: orgId, email, name, role, password_hash: await hashPassword(password), created_at: this.now().toISOString(), last_sign_in_at: null, failed_attempts: 0, locked_until: null, installation_owner: installationOwner };
    try {
      await this.store.admins.insert(row);
    } catch {
      throw new AccountError(409, 'admin_exists', `there is already an account for ${email}`);
    }
    await this.log(orgId, 'admin.created', ctx, email, { role, name });
    return view(row);
  }

  async list(orgId: string): Promise<AdminView[]> {
    return (await this.store.admins.forOrg(orgId)).map(view);
  }

  async setRole(orgId: string, id: string, role: unknown, ctx: AccountContext = { actor: 'cli' }): Promise<AdminView> {
    const r = checkRole(role);
    const changed = await this.store.transaction(async (tx) => {
      await tx.admins.lockOrganisation(orgId);
      const a = await tx.admins.byId(id);
      if (!a || a.org_id !== orgId) throw new AccountError(404, 'not_found', `no account "${id}" in your organisation`);
      if (a.role === 'owner' && r !== 'owner' && (await tx.admins.countOwners(orgId)) <= 1) throw new AccountError(409, 'last_owner', 'an organisation needs at least one owner: make someone else owner first');
      await tx.admins.setRole(id, r);
      return { before: a.role, after: view({ ...a, role: r }) };
    });
    if (changed.before !== r) await this.log(orgId, 'admin.role_changed', ctx, changed.after.email, { before: changed.before, after: r });
    return changed.after;
  }

  async remove(orgId: string, id: string, by: string, ctx: AccountContext = { actor: 'cli' }): Promise<void> {
    if (id === by) throw new AccountError(409, 'cannot_remove_self', 'you cannot remove your own account');
    const removed = await this.store.transaction(async (tx) => {
      await tx.admins.lockOrganisation(orgId);
      const a = await tx.admins.byId(id);
      if (!a || a.org_id !== orgId) throw new AccountError(404, 'not_found', `no account "${id}" in your organisation`);
      if (a.role === 'owner' && (await tx.admins.countOwners(orgId)) <= 1) throw new AccountError(409, 'last_owner', 'an organisation needs at least one owner');
      await tx.admins.remove(id);
      return a;
    });
    await this.log(orgId, 'admin.removed', ctx, removed.email, { role: removed.role });
  }

  /**
   * Checks the password. Failures are counted per (address typed, client address) in the
   * database, so every node sees them: after FREE_SIGN_IN_FAILURES in a row that client address
   * waits, with exponential backoff, before it may try that account again; other addresses are
   * not slowed. The attempt is claimed and counted in one statement before any password work, so
   * parallel guesses cannot all pass one check, and a throttled guess costs no scrypt. Addresses
   * with no account are counted the same way, and a wrong password is the same 401 after the same
   * work as an unknown address: nobody learns which addresses exist. `muster admins unlock` forgets
   * an account's failures from every address.
   */
  async signIn(input: { email?: unknown; password?: unknown }, userAgent?: string, address?: string): Promise<SessionInfo> {
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const wrong = new AccountError(401, 'invalid_credentials', `the email address or password is not right (after ${FREE_SIGN_IN_FAILURES} failed tries in a row, your address must wait before trying again)`);
    const now = this.limitsNow();
    const from = (address ?? 'unknown').slice(0, 100);
    const key = email.slice(0, 320);
    const attempt = key ? await this.store.limits.claimSignIn(key, from, now, backoffMs, BACKOFF_STEPS) : undefined;
    this.sweepBackoff(now);
    const anonymous: AccountContext = { actor: 'anonymous', ...(address ? { address } : {}) };
    if (attempt && !attempt.allowed) {
      const held = await this.store.admins.byEmail(email);
      if (held) await this.log(held.org_id, 'admin.sign_in_failed', anonymous, held.email, { reason: 'backoff', failures: attempt.failures });
      throw new SignInBackoff(Math.max(1, Math.ceil((attempt.nextAt - now) / 1000)));
    }
    const a = email ? await this.store.admins.byEmail(email) : undefined;
    const ok = await verifyPassword(password, a?.password_hash ?? (await dummyHash()));
    if (!a) throw wrong;
    const ctx: AccountContext = { actor: `admin:${a.email}`, ...(address ? { address } : {}) };
    if (!ok) {
      await this.log(a.org_id, 'admin.sign_in_failed', anonymous, a.email, { reason: 'wrong password' });
      // The first failure that makes this address wait: one entry per (account, address), not one per guess.
      if (attempt && attempt.failures === FREE_SIGN_IN_FAILURES) {
        await this.log(a.org_id, 'admin.locked', { actor: 'system', ...(address ? { address } : {}) }, a.email, { after: attempt.failures, seconds: backoffMs(attempt.failures) / 1000, scope: 'address' });
      }
      throw wrong;
    }
    await this.store.limits.signInSucceeded(key, from);
    const fresh = await this.store.admins.byId(a.id);
    if (!fresh) throw wrong;
    // Checked only after the password matched: nobody learns from this answer which accounts exist.
    const sso = await this.store.oidc.get(a.org_id);
    if (sso && Number(sso.passwords_off) === 1) {
      const breakGlass = a.role === 'owner' && fresh.break_glass_until !== null && fresh.break_glass_until > this.now().toISOString();
      if (!breakGlass) {
        await this.log(a.org_id, 'admin.sign_in_failed', { actor: 'anonymous', ...(address ? { address } : {}) }, a.email, { reason: 'passwords are off' });
        throw new AccountError(403, 'passwords_off', `${sso.display_name} signs in to your organisation: use "Sign in with ${sso.display_name}" (passwords are off)`);
      }
      // One use: the break-glass password opens one session, then passwords are off for it again.
      await this.store.admins.setBreakGlass(a.id, null);
      await this.log(a.org_id, 'admin.break_glass_sign_in', ctx, a.email, { provider: sso.display_name });
    }
    await this.store.admins.signedIn(a.id, this.now().toISOString());
    await this.log(a.org_id, 'admin.signed_in', ctx, a.email);
    return this.startSession(a.id, userAgent);
  }

  /**
   * Moves the installation's ownership to an owner account (the CLI's `admins installation-owner`:
   * only whoever has the server's shell may, as with `muster wallets`). Logged in both
   * organisations' security logs when it crosses organisations.
   */
  async makeInstallationOwner(email: string, ctx: AccountContext = { actor: 'cli' }): Promise<AdminView> {
    const a = await this.store.admins.byEmail(email.trim().toLowerCase());
    if (!a) throw new AccountError(404, 'not_found', `there is no account for ${email}`);
    if (a.role !== 'owner') throw new AccountError(409, 'not_owner', `${a.email} is ${a.role === 'admin' ? 'an admin' : 'a viewer'} of their organisation: only an owner can own the installation (muster admins create --role owner, or an owner changes their role)`);
    await this.store.admins.setInstallationOwner(a.id);
    await this.log(a.org_id, 'admin.installation_owner', ctx, a.email);
    return view({ ...a, installation_owner: 1 });
  }

  /**
   * Signs in someone the organisation's identity provider vouched for (its ID token checked by
   * openid-client): the account with that (verified) email, or a new one made now (just-in-time),
   * with the role the group claim maps to. The sessions are the same as a password's.
   */
  async federatedSignIn(orgId: string, who: FederatedIdentity, userAgent?: string, address?: string): Promise<{ session: SessionInfo; created: boolean }> {
    const email = checkEmail(who.email);
    const ctx: AccountContext = { actor: `admin:${email}`, ...(address ? { address } : {}) };
    const now = this.now().toISOString();
    const otherOrganisation = (a: AdminRow) => new AccountError(403, 'sso_other_organisation', `${a.email} has a Muster account in another organisation; ask its owner, or an operator, to remove it first`);
    // The person is who the provider says (iss, sub), not an address: an address can pass to
    // someone else, and an account signed in to once with single sign-on stays that person's.
    let account = await this.store.admins.bySubject(who.issuer, who.subject);
    let refused: string | undefined;
    if (account) {
      if (account.org_id !== orgId) throw otherOrganisation(account);
      if (account.email !== email) ({ account, refused } = await this.followAddress(account, email, who.provider, ctx));
    } else {
      account = await this.store.admins.byEmail(email);
      if (account && account.org_id !== orgId) throw otherOrganisation(account);
      const mismatch = () => new AccountError(403, 'sso_account_mismatch', `${email} is the address of a Muster account that signs in as another person at ${who.provider}; an owner removes that account if the address now belongs to someone else`);
      if (account && account.sso_subject !== null && account.sso_issuer === who.issuer && account.sso_client_id === who.clientId) throw mismatch();
      if (account) {
        // Its first single sign-on, or the organisation moved to another provider or application
        // (another issuer or client ID): from now on this person at the provider signs in to it.
        // The update is conditional, so of two first sign-ins at once as two people, one links.
        let linked: boolean;
        try {
          linked = await this.store.admins.linkSubject(account.id, who.issuer, who.clientId, who.subject);
        } catch (err) {
          // Another account is bound to this person already (admins_sso_subject, unique): sign in to that one.
          if (await this.store.admins.bySubject(who.issuer, who.subject)) return this.federatedSignIn(orgId, who, userAgent, address);
          throw err;
        }
        if (!linked) {
          if ((await this.store.admins.bySubject(who.issuer, who.subject))?.id !== account.id) throw mismatch();
        } else {
          await this.log(orgId, 'admin.sso_linked', ctx, email, {
            provider: who.provider, ...(account.sso_issuer && account.sso_issuer !== who.issuer ? { previousIssuer: account.sso_issuer } : {}),
            ...(account.sso_client_id && account.sso_issuer === who.issuer && account.sso_client_id !== who.clientId ? { previousClientId: account.sso_client_id } : {}),
          });
        }
      }
    }
    let created = false;
    if (!account) {
      const id = randomUUID();
      const role = who.role ?? who.defaultRole;
      try {
        await this.store.admins.insert({
          id, org_id: orgId, email, name: who.name.slice(0, 200) || email, role, password_hash: NO_PASSWORD, created_at: now, last_sign_in_at: null,
          failed_attempts: 0, locked_until: null, sso_issuer: who.issuer, sso_client_id: who.clientId, sso_subject: who.subject,
        });
      } catch (err) {
        // Two first sign-ins at once: the other made the account; sign in to it.
        if (!(await this.store.admins.byEmail(email)) && !(await this.store.admins.bySubject(who.issuer, who.subject))) throw err;
        return this.federatedSignIn(orgId, who, userAgent, address);
      }
      created = true;
      await this.log(orgId, 'admin.sso_created', ctx, email, { role, name: who.name, provider: who.provider });
      account = await this.store.admins.byId(id);
      if (!account) throw new AccountError(409, 'conflict', `the account of ${email} was removed during the sign-in; try again`);
    } else if (who.role && who.role !== account.role) {
      await this.roleFromIdp(orgId, account, who.role, ctx);
    }
    await this.store.admins.signedIn(account.id, now);
    await this.log(orgId, 'admin.sso_signed_in', ctx, account.email, { provider: who.provider, ...(refused ? { addressRefused: refused, reason: 'another account has that address' } : {}) });
    return { session: await this.startSession(account.id, userAgent), created };
  }

  /**
   * The provider now gives the person another address: the account follows it (the provider is
   * where people's addresses are kept), unless another account holds that address; then it keeps
   * its own, and the sign-in's entry in the security log names the address refused.
   */
  private async followAddress(account: AdminRow, email: string, provider: string, ctx: AccountContext): Promise<{ account: AdminRow; refused?: string }> {
    if (!(await this.store.admins.byEmail(email))) {
      try {
        if (await this.store.admins.setEmail(account.id, email)) {
          await this.log(account.org_id, 'admin.sso_email_changed', ctx, email, { before: account.email, after: email, provider });
          return { account: { ...account, email } };
        }
      } catch (err) {
        // Taken between the read and the write (the unique index on admins.email).
        if (!(await this.store.admins.byEmail(email))) throw err;
      }
    }
    return { account, refused: email };
  }

  /** The group claim's role, applied at each sign-in; the last owner is never demoted by it (an organisation needs one). */
  private async roleFromIdp(orgId: string, a: AdminRow, role: AdminRole, ctx: AccountContext): Promise<void> {
    const changed = await this.store.transaction(async (tx) => {
      if (a.role === 'owner' && (await tx.admins.countOwners(orgId)) <= 1) return false;
      await tx.admins.setRole(a.id, role);
      return true;
    });
    if (changed) await this.log(orgId, 'admin.role_changed', ctx, a.email, { before: a.role, after: role, by: 'group claim' });
    else await this.log(orgId, 'admin.sso_refused', { actor: 'system', ...(ctx.address ? { address: ctx.address } : {}) }, a.email, { reason: 'the group claim would demote the last owner; the role was kept', role });
  }

  /** Forgets an account's failed sign-ins from every address, lifting their backoff (the CLI's `admins unlock`). */
  async unlock(email: string, ctx: AccountContext = { actor: 'cli' }): Promise<AdminView> {
    const a = await this.store.admins.byEmail(email.trim().toLowerCase());
    if (!a) throw new AccountError(404, 'not_found', `there is no account for ${email}`);
    // The columns of the account-wide lock-out Muster had before migration 031, and the backoff per address.
    await this.store.admins.unlock(a.id);
    await this.store.limits.clearSignIns(a.email);
    await this.log(a.org_id, 'admin.unlocked', ctx, a.email);
    return view(a);
  }

  /** Sets a new password, lifts any lock and ends the account's sessions (the CLI's `admins reset-password`). */
  async resetPassword(email: string, password: unknown, ctx: AccountContext = { actor: 'cli' }): Promise<AdminView & { passwordsOff?: { provider: string; breakGlassUntil: string | null } }> {
    const a = await this.store.admins.byEmail(email.trim().toLowerCase());
    if (!a) throw new AccountError(404, 'not_found', `there is no account for ${email}`);
    await this.store.admins.setPassword(a.id, await hashPassword(checkPassword(password)));
    await this.store.admins.deleteSessionsOf(a.id);
    // Break-glass: with passwords off, an owner's new password opens one session within the hour
    // (when the identity provider is down or misconfigured); other roles still sign in with it only.
    const sso = await this.store.oidc.get(a.org_id);
    const off = sso !== undefined && Number(sso.passwords_off) === 1;
    const until = off && a.role === 'owner' ? new Date(this.now().getTime() + BREAK_GLASS_MS).toISOString() : null;
    await this.store.admins.setBreakGlass(a.id, until);
    await this.log(a.org_id, 'admin.password_reset', ctx, a.email, until ? { breakGlassUntil: until } : undefined);
    return { ...view(a), ...(off ? { passwordsOff: { provider: sso.display_name, breakGlassUntil: until } } : {}) };
  }

  private async startSession(adminId: string, userAgent?: string): Promise<SessionInfo> {
    const cookie = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS).toISOString();
    await this.store.admins.insertSession({
      id_hash: sha256(cookie), admin_id: adminId, csrf_token: csrf, created_at: now.toISOString(), last_seen_at: now.toISOString(), expires_at: expiresAt, user_agent: userAgent?.slice(0, 300) ?? null,
    });
    const s = await this.session(cookie);
    if (!s) throw new Error('session vanished after insert');
    return { ...s, cookie };
  }

  /** The session a cookie opens, renewing its idle timeout; undefined when unknown or expired. */
  async session(cookie: string | undefined): Promise<SessionInfo | undefined> {
    if (!cookie || cookie.length > 100) return undefined;
    const hash = sha256(cookie);
    const s = await this.store.admins.session(hash);
    const now = this.now();
    if (!s) return undefined;
    if (s.expires_at <= now.toISOString() || new Date(s.created_at).getTime() + SESSION_ABSOLUTE_MS <= now.getTime()) {
      await this.store.admins.deleteSession(hash);
      return undefined;
    }
    const a = await this.store.admins.byId(s.admin_id);
    const org = a ? await this.store.lists.organisation(a.org_id) : undefined;
    if (!a || !org) return undefined;
    let expiresAt = s.expires_at;
    if (new Date(s.last_seen_at).getTime() + TOUCH_EVERY_MS < now.getTime()) {
      expiresAt = new Date(now.getTime() + SESSION_IDLE_MS).toISOString();
      await this.store.admins.touchSession(hash, now.toISOString(), expiresAt);
    }
    return { admin: view(a), organisation: org, csrfToken: s.csrf_token, expiresAt };
  }

  async signOut(cookie: string | undefined, address?: string): Promise<void> {
    const s = await this.session(cookie);
    if (cookie) await this.store.admins.deleteSession(sha256(cookie));
    if (s) await this.log(s.organisation.id, 'admin.signed_out', { actor: `admin:${s.admin.email}`, ...(address ? { address } : {}) }, s.admin.email);
  }

  /** Constant-time check of the CSRF token a request carries against its session's. */
  static csrfMatches(session: SessionInfo, header: string | undefined): boolean {
    if (!header) return false;
    const a = Buffer.from(session.csrfToken), b = Buffer.from(header);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
