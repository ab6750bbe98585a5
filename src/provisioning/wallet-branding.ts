/**
 * An organisation's look on its wallet passes: background and text colours and a logo (issue 14,
 * item 4). Its name comes from the organisation. Under the installation's shared credentials this
 * is what tells one organisation's passes from another's; with its own credentials it applies too.
 */
import type { Store, WalletBrandingRow } from '../store/index.js';
import { lockListsOf, type AuditTrail, type RequestMeta } from './audit-trail.js';
import { WalletSettingsError } from './google/google-wallet.js';

const PROPS = ['backgroundColor', 'foregroundColor', 'logoUrl'];
const HEX = /^#[0-9a-fA-F]{6}$/;

export interface WalletBrandingView {
  readonly backgroundColor: string | null;
  readonly foregroundColor: string | null;
  readonly logoUrl: string | null;
  readonly updatedAt: string | null;
}

const view = (r: WalletBrandingRow | undefined): WalletBrandingView => ({
  backgroundColor: r?.background_color ?? null, foregroundColor: r?.foreground_color ?? null, logoUrl: r?.logo_url ?? null, updatedAt: r?.updated_at ?? null,
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
    const row = { org_id: orgId, background_color: color(b.backgroundColor, 'backgroundColor'), foreground_color: color(b.foregroundColor, 'foregroundColor'), logo_url: logo as string | null, updated_at: this.now().toISOString() };
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      await tx.googleWallet.saveBranding(row);
      for (const l of await tx.lists.all(orgId)) {
        await this.audit.record(tx, l.id, { action: 'wallet.branding_changed', target: { type: 'organisation', id: orgId }, detail: { backgroundColor: row.background_color, foregroundColor: row.foreground_color, logoUrl: row.logo_url } }, meta);
      }
    });
    return this.view(orgId);
  }
}
