/**
 * Each organisation's Apple Wallet settings: its pass type identifier, team identifier and name,
 * and the Pass Type ID certificate with its private key and Apple's WWDR intermediate. The
 * certificate material is sealed with MUSTER_SECRET_KEY and never leaves the server; the API
 * shows metadata only, with a warning when the certificate expires within 30 days (an expired
 * certificate cannot sign passes nor authenticate to APNs: revocations would stop reaching phones).
 */
import type { CertificateInfo, PassSigningMaterial } from './index.js';
import { certificateInfo, PassCertificateError, readUpload } from './index.js';
import { INSTALLATION, type Repos, type Store } from '../../store/index.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { lockListsOf, type AuditTrail, type RequestMeta } from '../../audit/audit-trail.js';

const DAY_MS = 86_400_000;
export const EXPIRY_WARNING_DAYS = 30;
/** Apple's pass type identifiers are reverse-DNS and begin with "pass." (Certificates, Identifiers & Profiles). */
const PASS_TYPE = /^pass\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const TEAM = /^[A-Z0-9]{10}$/;

export class AppleWalletError extends Error {
  constructor(readonly status: 400 | 404 | 409, readonly code: string, message: string) {
    super(message);
    this.name = 'AppleWalletError';
  }
}

type CertView = Omit<CertificateInfo, 'passTypeIdentifier' | 'teamIdentifier'>;

export interface AppleWalletView {
  readonly configured: boolean;
  /**
   * Whose credentials an organisation's passes are issued under: its own, the installation's
   * (set once by the operator), or none (issuing is refused until one is set up).
   */
  readonly source?: 'organisation' | 'installation' | null;
  readonly passTypeIdentifier?: string;
  readonly teamIdentifier?: string;
  readonly organizationName?: string;
  readonly certificate?: CertView;
  readonly wwdrCertificate?: CertView;
  readonly privateKey?: string;
  readonly updatedAt?: string;
  readonly warnings?: readonly string[];
}

export interface AppleWalletConfig {
  readonly passTypeIdentifier: string;
  readonly teamIdentifier: string;
  readonly organizationName: string;
  readonly signing: PassSigningMaterial;
}

const certView = (i: CertificateInfo): CertView => ({ subject: i.subject, issuer: i.issuer, notBefore: i.notBefore, notAfter: i.notAfter, fingerprint: i.fingerprint });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const KNOWN = ['passTypeIdentifier', 'teamIdentifier', 'organizationName', 'certificate', 'privateKey', 'p12', 'p12Password', 'wwdrCertificate'];

export class AppleWalletSettings {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly box: () => SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async view(orgId: string): Promise<AppleWalletView> {
    const row = await this.store.appleWallet.settings(orgId);
    const source = row ? 'organisation' : (orgId !== INSTALLATION && (await this.store.appleWallet.settings(INSTALLATION))) ? 'installation' : null;
    if (!row) return { configured: false, ...(orgId === INSTALLATION ? {} : { source }) };
    const info = JSON.parse(row.certificate_info) as { certificate: CertificateInfo; wwdr: CertificateInfo };
    return {
      configured: true, ...(orgId === INSTALLATION ? {} : { source }), passTypeIdentifier: row.pass_type_identifier, teamIdentifier: row.team_identifier, organizationName: row.organization_name,
      certificate: certView(info.certificate), wwdrCertificate: certView(info.wwdr), privateKey: '(stored encrypted; never shown)', updatedAt: row.updated_at,
      warnings: this.warnings(info.certificate, info.wwdr),
    };
  }

  private warnings(cert: CertificateInfo, wwdr: CertificateInfo): string[] {
    const out: string[] = [];
    for (const [what, c] of [['the pass certificate', cert], ['the WWDR certificate', wwdr]] as const) {
      const left = (Date.parse(c.notAfter) - this.now().getTime()) / DAY_MS;
      if (left <= 0) out.push(`${what} expired on ${c.notAfter.slice(0, 10)}: passes cannot be signed nor pushed; upload a new one`);
      else if (left <= EXPIRY_WARNING_DAYS) out.push(`${what} expires on ${c.notAfter.slice(0, 10)} (in ${Math.ceil(left)} days): renew it in Apple's developer portal and upload it here`);
    }
    return out;
  }

  /**
   * Creates or replaces the settings. The certificate may be left out to change only the names;
   * the pass type and team identifiers default to the certificate's and must match it.
   */
  async put(orgId: string, b: Readonly<Record<string, unknown>>, meta: RequestMeta): Promise<AppleWalletView> {
    const unknown = Object.keys(b).filter((k) => !KNOWN.includes(k));
    if (unknown.length) throw new AppleWalletError(400, 'invalid_body', `unknown properties: ${unknown.join(', ')}`);
    const existing = await this.store.appleWallet.settings(orgId);
    let signing: PassSigningMaterial;
    const upload = str(b.certificate) ?? str(b.p12);
    if (upload) {
      const wwdr = str(b.wwdrCertificate);
      if (!wwdr) throw new AppleWalletError(400, 'invalid_body', 'send wwdrCertificate: Apple\'s WWDR intermediate certificate (PEM) that issued the pass certificate');
      signing = readUpload({ certificatePem: str(b.certificate), privateKeyPem: str(b.privateKey), p12Base64: str(b.p12), p12Password: typeof b.p12Password === 'string' ? b.p12Password : undefined, wwdrPem: wwdr });
    } else if (existing) {
      signing = JSON.parse(this.box().open(existing.signing_enc)) as PassSigningMaterial;
    } else {
      throw new AppleWalletError(400, 'invalid_body', 'send the Pass Type ID certificate: certificate + privateKey (PEM), or p12 (base64) + p12Password, with wwdrCertificate');
    }
    const cert = certificateInfo(signing.certificatePem), wwdr = certificateInfo(signing.wwdrPem);
    const passType = str(b.passTypeIdentifier) ?? (upload ? undefined : existing?.pass_type_identifier) ?? cert.passTypeIdentifier;
    const team = str(b.teamIdentifier) ?? (upload ? undefined : existing?.team_identifier) ?? cert.teamIdentifier;
    // Under the installation's credentials each organisation's own name goes on its passes; the
    // stored one is only Apple's fallback for a pass built without an organisation.
    const orgName = str(b.organizationName) ?? existing?.organization_name ?? (orgId === INSTALLATION ? 'Muster' : undefined);
    if (!passType || !PASS_TYPE.test(passType)) throw new AppleWalletError(400, 'invalid_body', 'passTypeIdentifier must be a pass type identifier such as pass.com.example.staff');
    if (!team || !TEAM.test(team)) throw new AppleWalletError(400, 'invalid_body', 'teamIdentifier must be your 10-character Apple Developer Team ID');
    if (!orgName || orgName.length > 100) throw new AppleWalletError(400, 'invalid_body', 'organizationName must be text of up to 100 characters (Wallet shows it on the lock screen)');
    // Wallet refuses a pass whose identifiers differ from its signing certificate's.
    if (cert.passTypeIdentifier && cert.passTypeIdentifier !== passType) throw new PassCertificateError('invalid_certificate', `the certificate is for ${cert.passTypeIdentifier}, not ${passType}`);
    if (cert.teamIdentifier && cert.teamIdentifier !== team) throw new PassCertificateError('invalid_certificate', `the certificate belongs to team ${cert.teamIdentifier}, not ${team}`);
    // Passes already issued carry the old pass type: their updates would be pushed with a
    // certificate APNs refuses for that topic, and revocations would silently stop reaching phones.
    if (existing && existing.pass_type_identifier !== passType) {
      if (orgId === INSTALLATION) {
        // The installation's passes belong to every organisation without its own certificate.
        const n = await this.store.credentials.countLiveApplePasses(existing.pass_type_identifier);
        if (n > 0) {
          throw new AppleWalletError(409, 'pass_type_in_use', `${n} Apple ${n === 1 ? 'pass' : 'passes'} issued under the installation's ${existing.pass_type_identifier} ${n === 1 ? 'is' : 'are'} still in use by organisations on this installation: `
            + `under ${passType} ${n === 1 ? 'it' : 'they'} could no longer be updated, voided on revocation nor pushed to phones. Upload a new certificate of ${existing.pass_type_identifier} instead, or have those passes revoked first`);
        }
      } else if ((await this.store.credentials.countLiveOfKind(orgId, 'apple_pass')) > 0) {
        throw new AppleWalletError(409, 'pass_type_in_use', `Apple passes of ${existing.pass_type_identifier} are still in use: revoke them (or keep that pass type) before switching to ${passType}`);
      }
    }
    const t = this.now().toISOString();
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      await tx.appleWallet.putSettings({
        org_id: orgId, pass_type_identifier: passType, team_identifier: team, organization_name: orgName,
        signing_enc: this.box().seal(JSON.stringify(signing)), certificate_info: JSON.stringify({ certificate: cert, wwdr }), created_at: existing?.created_at ?? t, updated_at: t,
      });
      await this.recordEverywhere(tx, orgId, 'wallet.apple_configured', {
        passTypeIdentifier: passType, teamIdentifier: team, organizationName: orgName, certificateFingerprint: cert.fingerprint, certificateExpires: cert.notAfter,
        certificateReplaced: Boolean(upload),
      }, meta);
    });
    return this.view(orgId);
  }

  async remove(orgId: string, meta: RequestMeta): Promise<void> {
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      if (!(await tx.appleWallet.deleteSettings(orgId))) throw new AppleWalletError(404, 'not_found', 'Apple Wallet is not configured for your organisation');
      await this.recordEverywhere(tx, orgId, 'wallet.apple_removed', {}, meta);
    });
  }

  /**
   * The settings and opened signing material, for building and pushing passes: the
   * organisation's own, else the installation's (then with the organisation's name). Given a
   * pass's type, only settings of that type: a pass issued under the installation's certificate
   * stays signed by it after the organisation uploads its own, and the other way round.
   */
  async config(orgId: string, passType?: string): Promise<AppleWalletConfig | undefined> {
    const own = await this.store.appleWallet.settings(orgId);
    if (own && (passType === undefined || own.pass_type_identifier === passType)) return this.open(own, own.organization_name);
    const shared = await this.store.appleWallet.settings(INSTALLATION);
    if (!shared || (passType !== undefined && shared.pass_type_identifier !== passType) || (own && passType === undefined)) return undefined;
    const org = await this.store.lists.organisation(orgId);
    return this.open(shared, org?.name ?? shared.organization_name);
  }

  private open(row: { pass_type_identifier: string; team_identifier: string; signing_enc: string }, organizationName: string): AppleWalletConfig {
    return {
      passTypeIdentifier: row.pass_type_identifier, teamIdentifier: row.team_identifier, organizationName,
      signing: JSON.parse(this.box().open(row.signing_enc)) as PassSigningMaterial,
    };
  }

  /** Settings belong to the organisation, the audit trail to lists: the event goes to every list of it. */
  private async recordEverywhere(tx: Repos, orgId: string, action: 'wallet.apple_configured' | 'wallet.apple_removed', detail: Record<string, unknown>, meta: RequestMeta): Promise<void> {
    for (const list of await tx.lists.all(orgId)) {
      await this.audit.record(tx, list.id, { action, target: { type: 'organisation', id: orgId }, detail }, meta);
    }
  }
}
