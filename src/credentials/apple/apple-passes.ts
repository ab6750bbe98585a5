/**
 * Apple Wallet passes as credentials of kind `apple_pass`: issued with an authentication token,
 * built and signed on demand from the credential's current state (a revoked or suspended
 * credential's pass is `voided`), re-stamped and pushed to every registered device whenever the
 * credential's status changes (in the transaction of the change; the push itself is a job that
 * runs after the commit), and downloadable by the holder through a signed, expiring link.
 */
import { randomBytes } from 'node:crypto';
import type { PassField } from './index.js';
import { buildPkpass, hexToRgb, logos, thumbnails } from './index.js';
import { INSTALLATION, type CredentialRow, type CredentialStatus, type MasterList, type Repos, type Store } from '../../store/index.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { hashSecret } from '../../secrets/tokens.js';
import type { RequestMeta } from '../../audit/audit-trail.js';
import { CredentialError, holderName } from '../credential-service.js';
import type { AppleWalletSettings } from './apple-wallet-settings.js';
import { nextStamp } from './pass-stamp.js';
import { readStoredFields } from '../../roster/derivation.js';

export const APPLE_PUSH_JOB = 'apple.push';
const LINK_PURPOSE = 'apple-pass-download';
/** Where Wallet reaches the PassKit web service: `${origin}${PASSKIT_PATH}/v1/…`. */
export const PASSKIT_PATH = '/passkit';

/** Where a holder's photo comes from, once Muster stores photos; without one the pass has no thumbnail. */
export interface PassPhotoProvider {
  photo(listId: string, personId: string): Promise<Buffer | undefined>;
}

/** Roster fields shown on the pass, by the default schema's keys (docs/roster.md); absent ones are skipped. */
const SECONDARY = ['job_title', 'title', 'department'];
const AUXILIARY = ['employee_number'];

export interface BuiltPass {
  readonly bytes: Buffer;
  /** The pass's stamp: Last-Modified. */
  readonly modifiedAt: string;
}

export class ApplePasses {
  constructor(
    private readonly store: Store,
    private readonly settings: AppleWalletSettings,
    private readonly box: () => SecretBox,
    private readonly publicUrl: string | undefined,
    private readonly photos: PassPhotoProvider | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** CredentialService's issue step for `apple_pass` (in the issue transaction). */
  readonly onIssue = async (tx: Repos, list: MasterList, c: CredentialRow): Promise<void> => {
    // The organisation's own certificate, else the installation's (issue 14, item 4).
    const s = (await tx.appleWallet.settings(list.orgId)) ?? (await tx.appleWallet.settings(INSTALLATION));
    if (!s) throw new CredentialError(409, 'apple_wallet_not_configured', 'Apple Wallet is not set up for your organisation nor for this installation: upload the Pass Type ID certificate first (PUT /api/v1/apple-wallet)');
    // Apple: "authenticationToken … must be 16 characters or longer". 32 random bytes, base64url: 43.
    const token = randomBytes(32).toString('base64url');
    const t = this.now();
    await tx.appleWallet.insertPass({
      credential_id: c.id, pass_type_identifier: s.pass_type_identifier, auth_token_hash: hashSecret(token), auth_token_enc: this.box().seal(token),
      modified_at: nextStamp(t, undefined), created_at: t.toISOString(),
    });
  };

  /**
   * CredentialService's status step: the pass becomes a new version (voided or valid again) and
   * a push job is queued for its devices, both in the transaction of the change.
   */
  readonly onStatusChange = async (tx: Repos, c: CredentialRow, to: CredentialStatus, meta: RequestMeta): Promise<void> => {
    if (c.kind !== 'apple_pass') return;
    const pass = await tx.appleWallet.pass(c.id);
    if (!pass) return;
    await tx.appleWallet.setModified(c.id, nextStamp(this.now(), pass.modified_at));
    const devices = await tx.appleWallet.registrationsOf(c.id);
    if (devices.length === 0) return;
    await tx.roster.enqueue({
      id: `apple-push-${c.id}-${randomBytes(6).toString('hex')}`, listId: c.list_id, kind: APPLE_PUSH_JOB,
      params: { credentialId: c.id, status: to, requestId: meta.requestId ?? null, actor: meta.actor }, total: devices.length, now: this.now().toISOString(),
    });
  };

  origin(requestOrigin: string): string {
    return this.publicUrl ?? requestOrigin;
  }

  /** The current pass of a credential, signed. */
  async build(c: CredentialRow, requestOrigin: string): Promise<BuiltPass> {
    const pass = await this.store.appleWallet.pass(c.id);
    const list = await this.store.lists.get(c.list_id);
    const config = list && pass ? await this.settings.config(list.orgId, pass.pass_type_identifier) : undefined;
    const branding = list ? await this.store.googleWallet.branding(list.orgId) : undefined;
    if (!pass || !list || !config) throw new CredentialError(409, 'apple_wallet_not_configured', 'this pass cannot be built: Apple Wallet is not set up for the organisation any more');
    const person = await this.store.users.get(list.id, c.person_id);
    const labels = new Map((await this.store.roster.fields(list.id)).map((f) => [f.key, f.label]));
    const fields = person ? readStoredFields(person.storedFields, await this.store.roster.slots(list.id)) : {};
    const pick = (keys: readonly string[]): PassField[] => keys.flatMap((k) => {
      const v = fields[k];
      return labels.has(k) && v !== undefined && v !== null && String(v).trim() !== '' ? [{ key: k, label: labels.get(k)!, value: String(v) }] : [];
    });
    const photo = person && this.photos ? await this.photos.photo(list.id, person.id) : undefined;
    const origin = this.origin(requestOrigin);
    const status = person ? c.status : 'revoked';
    const built = buildPkpass({
      content: {
        passTypeIdentifier: pass.pass_type_identifier, teamIdentifier: config.teamIdentifier, organizationName: config.organizationName, serialNumber: c.id,
        holderName: person ? holderName(person.data) : 'Unknown', secondary: pick(SECONDARY), auxiliary: pick(AUXILIARY),
        verifyUrl: `${origin}/v/${c.verify_code}`, webServiceURL: `${origin}${PASSKIT_PATH}`, authenticationToken: this.box().open(pass.auth_token_enc),
        voided: status !== 'valid', listName: list.name, status,
        backgroundColor: hexToRgb(branding?.background_color), foregroundColor: hexToRgb(branding?.foreground_color),
      },
      signing: config.signing,
      ...(photo ? { thumbnail: await thumbnails(photo) } : {}),
      // The organisation's own logo (wallet branding), whoever's certificate signs the pass.
      ...(branding?.logo_png ? { logo: await logos(Buffer.from(branding.logo_png, 'base64')) } : {}),
      now: this.now(),
    });
    return { bytes: built.bytes, modifiedAt: pass.modified_at };
  }

  /** A link the holder opens on their iPhone to add the pass; valid for `ttlSeconds`. */
  downloadLink(c: CredentialRow, requestOrigin: string, ttlSeconds: number): { url: string; expiresAt: string } {
    const expires = Math.floor(this.now().getTime() / 1000) + ttlSeconds;
    const sig = this.box().tag(LINK_PURPOSE, `${c.id}.${expires}`);
    return { url: `${this.origin(requestOrigin)}/passes/apple/${c.id}.pkpass?expires=${expires}&signature=${sig}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** The credential a download link names, when its signature is right and it has not expired. */
  async fromLink(credentialId: string, expires: string | undefined, signature: string | undefined): Promise<CredentialRow | undefined> {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < this.now().getTime()) return undefined;
    if (!this.box().checkTag(LINK_PURPOSE, `${credentialId}.${expires}`, signature)) return undefined;
    const c = await this.store.credentials.get(credentialId);
    return c?.kind === 'apple_pass' ? c : undefined;
  }
}
