/**
 * An organisation's look on its wallet passes: background and text colours and a logo (issue 14,
 * item 4). Its name comes from the organisation. Under the installation's shared credentials this
 * is what tells one organisation's passes from another's; with its own credentials it applies too.
 */
import sharp from 'sharp';
import type { Store, WalletBrandingRow } from '../store/index.js';
import { lockListsOf, type AuditTrail, type RequestMeta } from '../audit/audit-trail.js';
import { WalletSettingsError } from './google/google-wallet.js';

const PROPS = ['backgroundColor', 'foregroundColor', 'logoUrl', 'logo'];
/** The logo area of an Apple pass is at most 160×50 points (Apple, "Pass Design and Creation" › Images); stored at 2x. */
const LOGO_2X = { width: 320, height: 100 };
const MAX_LOGO_BYTES = 1_048_576;

/**
 * An uploaded logo (PNG or JPEG, base64) as the PNG an Apple pass carries: fitted inside 320×100
 * pixels (the 2x logo area), transparent where it does not fill it. Anything sharp cannot read is refused.
 */
async function logoPng(b64: string): Promise<string> {
  const bytes = Buffer.from(b64.replace(/^data:image\/\w+;base64,/, ''), 'base64');
  if (bytes.length === 0 || bytes.length > MAX_LOGO_BYTES) throw new WalletSettingsError(400, 'invalid_body', 'logo must be a PNG or JPEG image of up to 1 MB, base64');
  try {
    const meta = await sharp(bytes, { limitInputPixels: 25_000_000 }).metadata();
    if (meta.format !== 'png' && meta.format !== 'jpeg') throw new Error(meta.format);
    const out = await sharp(bytes, { limitInputPixels: 25_000_000 }).resize({ ...LOGO_2X, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
    return out.toString('base64');
  } catch {
    throw new WalletSettingsError(400, 'invalid_body', 'logo must be a PNG or JPEG image that can be read');
  }
}
const HEX = /^#[0-9a-fA-F]{6}$/;

export interface WalletBrandingView {
  readonly backgroundColor: string | null;
  readonly foregroundColor: string | null;
  readonly logoUrl: string | null;
  /** Whether a logo image is uploaded (Apple passes carry it; it is never sent back). */
  readonly logoImage: boolean;
  readonly updatedAt: string | null;
}

const view = (r: WalletBrandingRow | undefined): WalletBrandingView => ({
  backgroundColor: r?.background_color ?? null, foregroundColor: r?.foreground_color ?? null, logoUrl: r?.logo_url ?? null, logoImage: !!r?.logo_png, updatedAt: r?.updated_at ?? null,
});

export class WalletBranding {
  constructor(private readonly store: Store, private readonly audit: AuditTrail, private readonly now: () => Date = () => new Date()) {}

  async view(orgId: string): Promise<WalletBrandingView> {
    return view(await this.store.googleWallet.branding(orgId));
  }

  async put(orgId: string, b: Readonly<Record<string, unknown>>, meta: RequestMeta): Promise<WalletBrandingView> {
    const unknown = Object.keys(b).filter((k) => !PROPS.includes(k));
    if (unknown.length) throw new WalletSettingsError(400, 'invalid_body', `unknown properties: ${unknown.join(', ')}; send ${PROPS.join(', ')}`);
    const color = (v: unknown, name: string): string | null => {
      if (v === undefined || v === null || v === '') return null;
      if (typeof v !== 'string' || !HEX.test(v)) throw new WalletSettingsError(400, 'invalid_body', `${name} must be #rrggbb`);
      return v.toLowerCase();
    };
    const logo = b.logoUrl === undefined || b.logoUrl === null || b.logoUrl === '' ? null : b.logoUrl;
    // Google fetches pass images itself, over HTTPS (Google Wallet API, Image.sourceUri).
    if (logo !== null && (typeof logo !== 'string' || logo.length > 2000 || !/^https:\/\/\S+$/.test(logo))) throw new WalletSettingsError(400, 'invalid_body', 'logoUrl must be an https URL Google can fetch');
    // The image is kept when `logo` is left out (the web app does not send it back), removed with null.
    if (b.logo !== undefined && b.logo !== null && typeof b.logo !== 'string') throw new WalletSettingsError(400, 'invalid_body', 'logo must be a PNG or JPEG image, base64, or null to remove it');
    const logoImage = typeof b.logo === 'string' && b.logo !== '' ? await logoPng(b.logo) : b.logo === null || b.logo === '' ? null : (await this.store.googleWallet.branding(orgId))?.logo_png ?? null;
    const row = {
      org_id: orgId, background_color: color(b.backgroundColor, 'backgroundColor'), foreground_color: color(b.foregroundColor, 'foregroundColor'), logo_url: logo as string | null,
      logo_png: logoImage, updated_at: this.now().toISOString(),
    };
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      await tx.googleWallet.saveBranding(row);
      for (const l of await tx.lists.all(orgId)) {
        await this.audit.record(tx, l.id, { action: 'wallet.branding_changed', target: { type: 'organisation', id: orgId }, detail: { backgroundColor: row.background_color, foregroundColor: row.foreground_color, logoUrl: row.logo_url, logoImage: row.logo_png !== null } }, meta);
      }
    });
    return this.view(orgId);
  }
}
