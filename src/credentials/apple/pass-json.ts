/**
 * pass.json for a Muster identity pass, in the generic style. Keys and their meaning follow
 * Apple's "Pass" object reference (developer.apple.com/documentation/walletpasses/pass) and the
 * Wallet Developer Guide, "Pass Design and Creation": generic passes have primary, secondary,
 * auxiliary and back fields and may carry a thumbnail; `barcodes` (iOS 9+) is the list Wallet
 * tries in order, `barcode` the single one older iOS reads.
 */

export interface PassField {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

export interface PassContent {
  readonly passTypeIdentifier: string;
  readonly teamIdentifier: string;
  readonly organizationName: string;
  /** The credential id: Apple's serialNumber, unique per pass type. */
  readonly serialNumber: string;
  readonly holderName: string;
  /** Roster fields shown on the front (title, department) and below them (employee number). */
  readonly secondary: readonly PassField[];
  readonly auxiliary: readonly PassField[];
  /** The credential's public verification URL (/v/{code}): the QR code's message. */
  readonly verifyUrl: string;
  /** Where Wallet registers and fetches updates: `${webServiceURL}/v1/…`. */
  readonly webServiceURL: string | undefined;
  readonly authenticationToken: string;
  /** Revoked or suspended credentials are re-issued voided: Wallet shows them as void. */
  readonly voided: boolean;
  /** The list's name, shown on the back. */
  readonly listName: string;
  readonly status: string;
  /** The organisation's colours (its wallet branding); Muster's dark grey and white otherwise. */
  readonly backgroundColor?: RGB | undefined;
  readonly foregroundColor?: RGB | undefined;
}

export type RGB = readonly [number, number, number];

/** "#rrggbb" as an RGB triple; undefined for anything else. */
export function hexToRgb(hex: string | null | undefined): RGB | undefined {
  const m = hex ? /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) : null;
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}

/** Apple's colours are CSS-style rgb() strings (Pass › backgroundColor). */
const rgb = (c: readonly [number, number, number]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
export const PASS_BACKGROUND: readonly [number, number, number] = [31, 41, 55];
export const PASS_FOREGROUND: readonly [number, number, number] = [255, 255, 255];
const PASS_LABEL: readonly [number, number, number] = [209, 213, 219];

export function passJson(p: PassContent): Record<string, unknown> {
  // ISO-8859-1 is what Apple's examples use for messageEncoding; the URL is ASCII anyway.
  const barcode = { format: 'PKBarcodeFormatQR', message: p.verifyUrl, messageEncoding: 'iso-8859-1', altText: p.voided ? 'VOID' : 'Scan to verify' };
  return {
    formatVersion: 1,
    passTypeIdentifier: p.passTypeIdentifier,
    serialNumber: p.serialNumber,
    teamIdentifier: p.teamIdentifier,
    organizationName: p.organizationName,
    description: `${p.organizationName} ID`,
    logoText: p.organizationName,
    foregroundColor: rgb(p.foregroundColor ?? PASS_FOREGROUND),
    backgroundColor: rgb(p.backgroundColor ?? PASS_BACKGROUND),
    labelColor: rgb(p.foregroundColor ?? PASS_LABEL),
    // An identity pass is personal: iOS 11+ hides the share button (Pass › sharingProhibited).
    sharingProhibited: true,
    ...(p.webServiceURL ? { webServiceURL: p.webServiceURL, authenticationToken: p.authenticationToken } : {}),
    ...(p.voided ? { voided: true } : {}),
    barcodes: [barcode],
    barcode,
    generic: {
      primaryFields: [{ key: 'name', label: 'NAME', value: p.holderName }],
      secondaryFields: p.secondary.map(field),
      auxiliaryFields: [...p.auxiliary.map(field), ...(p.voided ? [{ key: 'status', label: 'STATUS', value: p.status.toUpperCase() }] : [])],
      backFields: [
        { key: 'list', label: 'Roster', value: p.listName },
        { key: 'verify', label: 'Check this pass', value: p.verifyUrl },
        { key: 'about', label: 'About', value: 'Issued by Muster. The QR code opens a page that shows whether this pass is valid right now.' },
      ],
    },
  };
}

const field = (f: PassField) => ({ key: f.key, label: f.label.toUpperCase(), value: f.value });
