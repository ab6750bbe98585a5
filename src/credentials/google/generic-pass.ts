/**
 * The generic pass Muster issues: one class per organisation (`issuerId.classSuffix`) and one
 * object per credential (`issuerId.credentialId`). Field meanings follow the GenericObject
 * reference (developers.google.com/wallet/generic/rest/v1/genericobject): `cardTitle` (required)
 * is the top row — the organisation; `header` (required) is the title — the holder's name;
 * `subheader` sits above it — the job title; `textModulesData` are the detail rows. The barcode
 * is the credential's verification URL, so a guard scanning the phone gets the status *now*,
 * whatever the pass shows.
 */

export type GoogleObjectState = 'ACTIVE' | 'EXPIRED';

export interface PassContent {
  readonly objectId: string;
  readonly classId: string;
  readonly state: GoogleObjectState;
  readonly organisation: string;
  readonly holder: string;
  readonly jobTitle?: string | undefined;
  readonly details: ReadonlyArray<{ readonly id: string; readonly header: string; readonly body: string }>;
  readonly verifyUrl: string;
  readonly logoUrl?: string | null | undefined;
  readonly heroImageUrl?: string | null | undefined;
  readonly backgroundColor?: string | null | undefined;
}

/** LocalizedString with only a default value: Google shows it whatever the phone's language. */
const text = (value: string) => ({ defaultValue: { language: 'en', value } });
const image = (uri: string, description: string) => ({ sourceUri: { uri }, contentDescription: text(description) });

/** A generic class needs only its id (GenericClass reference); the look lives on the objects. */
export function genericClass(classId: string): Record<string, unknown> {
  return { id: classId };
}

export function genericObject(p: PassContent): Record<string, unknown> {
  return {
    id: p.objectId,
    classId: p.classId,
    state: p.state,
    cardTitle: text(p.organisation || 'ID'),
    header: text(p.holder),
    ...(p.jobTitle ? { subheader: text(p.jobTitle) } : {}),
    ...(p.details.length ? { textModulesData: p.details.map((d) => ({ id: d.id, header: d.header, body: d.body })) } : {}),
    barcode: { type: 'QR_CODE', value: p.verifyUrl, alternateText: 'Scan to verify' },
    ...(p.logoUrl ? { logo: image(p.logoUrl, `${p.organisation} logo`) } : {}),
    ...(p.heroImageUrl ? { heroImage: image(p.heroImageUrl, p.organisation) } : {}),
    ...(p.backgroundColor ? { hexBackgroundColor: p.backgroundColor } : {}),
  };
}

/** The Google state a credential status maps to: only a valid credential is an ACTIVE pass. */
export const stateFor = (status: string): GoogleObjectState => (status === 'valid' ? 'ACTIVE' : 'EXPIRED');
