/**
 * The PassKit web service Wallet talks to (Apple, "Wallet Passes Web Service Reference"; the
 * endpoints under developer.apple.com/documentation/walletpasses): devices register and
 * unregister for a pass's updates, ask which of their passes changed since a tag, fetch the
 * latest version of a pass, and send their error logs. Requests about one pass carry
 * `Authorization: ApplePass <authenticationToken>`; a wrong or missing token is 401, and so is an
 * unknown serial number (nothing tells a prober which serials exist).
 */
import { isUniqueViolation } from '../../store/unique-violation.js';
import type { ApplePassRow, CredentialRow, Repos, Store } from '../../store/index.js';
import type { AuditTrail, RequestMeta } from '../../audit/audit-trail.js';
import { holderName } from '../credential-service.js';
import { hashSecret, sameHash } from '../../secrets/tokens.js';
import type { ApplePasses, BuiltPass } from './apple-passes.js';
import { listingTag, tagToIso } from './pass-stamp.js';

/** Device library identifiers and push tokens are opaque to us; bound them so they cannot fill the database. */
const DEVICE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const PUSH_TOKEN = /^[A-Za-z0-9]{1,256}$/;

export type Authorised = { readonly ok: true; readonly pass: ApplePassRow; readonly credential: CredentialRow } | { readonly ok: false };

export class PassWebService {
  constructor(
    private readonly store: Store,
    private readonly passes: ApplePasses,
    private readonly audit: AuditTrail,
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `Authorization: ApplePass <token>` for the pass `serial` of type `passType`, checked in constant time. */
  async authorise(passType: string, serial: string, authorization: string | undefined): Promise<Authorised> {
    const m = /^ApplePass\s+(\S+)\s*$/.exec(authorization ?? '');
    if (!m) return { ok: false };
    const pass = await this.store.appleWallet.pass(serial);
    if (!pass || pass.pass_type_identifier !== passType || !sameHash(pass.auth_token_hash, hashSecret(m[1]!))) return { ok: false };
    const credential = await this.store.credentials.get(serial);
    return credential ? { ok: true, pass, credential } : { ok: false };
  }

  /** "Register a pass for update notifications": 201 new, 200 already registered, 400 bad body, 401. */
  async register(device: string, passType: string, serial: string, authorization: string | undefined, body: unknown, meta: RequestMeta): Promise<200 | 201 | 400 | 401> {
    const auth = await this.authorise(passType, serial, authorization);
    if (!auth.ok) return 401;
    const pushToken = (body as { pushToken?: unknown } | null)?.pushToken;
    if (!DEVICE_ID.test(device) || typeof pushToken !== 'string' || !PUSH_TOKEN.test(pushToken)) return 400;
    const t = this.now().toISOString();
    try {
      return await this.store.transaction(async (tx) => {
        await tx.audit.chain(auth.credential.list_id, true);
        const existing = await tx.appleWallet.registration(device, passType, serial);
        if (existing) {
          // A device re-registering may bring a new push token (Apple: tokens change, e.g. after a restore).
          if (existing.push_token !== pushToken) await tx.appleWallet.setPushToken(device, passType, serial, pushToken, t);
          return 200 as const;
        }
        await tx.appleWallet.insertRegistration({ device_library_identifier: device, pass_type_identifier: passType, serial_number: serial, push_token: pushToken, created_at: t, updated_at: t });
        await this.record(tx, auth.credential, 'credential.device_registered', { device }, meta);
        return 201 as const;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return 200; // the same device registering twice at once
      throw err;
    }
  }

  /** "Unregister a pass for update notifications": 200, or 401. */
  async unregister(device: string, passType: string, serial: string, authorization: string | undefined, meta: RequestMeta): Promise<200 | 401> {
    const auth = await this.authorise(passType, serial, authorization);
    if (!auth.ok) return 401;
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(auth.credential.list_id, true);
      if (await tx.appleWallet.deleteRegistration(device, passType, serial)) {
        await this.record(tx, auth.credential, 'credential.device_unregistered', { device, reason: 'the device removed the pass or turned its updates off' }, meta);
      }
    });
    return 200;
  }

  /**
   * "Get the list of updatable passes": the serial numbers of the device's passes of this type
   * changed since the tag, with the tag to send next time; undefined when none (204).
   */
  async updatable(device: string, passType: string, since: string | undefined): Promise<{ serialNumbers: string[]; lastUpdated: string } | undefined> {
    const rows = await this.store.appleWallet.passesOfDevice(device, passType, tagToIso(since));
    if (rows.length === 0) return undefined;
    return { serialNumbers: rows.map((r) => r.serial), lastUpdated: listingTag(this.now()) };
  }

  /** "Send an updated pass": the pass, or 'not-modified' when If-Modified-Since covers its stamp. */
  async latest(passType: string, serial: string, authorization: string | undefined, ifModifiedSince: string | undefined, origin: string): Promise<BuiltPass | 'not-modified' | 401> {
    const auth = await this.authorise(passType, serial, authorization);
    if (!auth.ok) return 401;
    const since = ifModifiedSince ? Date.parse(ifModifiedSince) : NaN;
    if (!Number.isNaN(since) && Date.parse(auth.pass.modified_at) <= since) return 'not-modified';
    return this.passes.build(auth.credential, origin);
  }

  /** "Log a message": Wallet reports what went wrong with our passes (a bad signature, an unreachable URL). */
  logMessages(body: unknown): number {
    const logs = (body as { logs?: unknown } | null)?.logs;
    if (!Array.isArray(logs)) return 0;
    const lines = logs.filter((l): l is string => typeof l === 'string').slice(0, 100).map((l) => l.slice(0, 1000));
    for (const line of lines) this.log('Apple Wallet device log', { message: line });
    return lines.length;
  }

  private async record(tx: Repos, c: CredentialRow, action: 'credential.device_registered' | 'credential.device_unregistered', detail: Record<string, unknown>, meta: RequestMeta): Promise<void> {
    const person = await tx.users.get(c.list_id, c.person_id);
    await this.audit.record(tx, c.list_id, { action, target: { type: 'credential', id: c.id, name: person ? holderName(person.data) : null }, detail: { kind: c.kind, personId: c.person_id, ...detail } }, meta);
  }
}
