/**
 * Which identity provider sent a request, as well as the evidence allows, and how we know.
 * Evidence, strongest first: the User-Agent (Okta documents its own, `Okta SCIM Client 1.0.0`, on
 * its developer site's "SCIM Protocol" page; oktadeveloper/okta-blog-archive#1956), the label an
 * admin gave the token ("Okta production"), the request's dialect (Entra's PascalCase ops and
 * "False" strings), and what this token's earlier requests were identified as.
 */
import type { NormalisationId } from '../scim/dialect.js';

export interface IdpGuess {
  readonly idp: string;
  /** How it was identified: `user-agent: …`, `token-label: …`, `token-history`, `dialect: …`. */
  readonly evidence: string;
  /** Strong evidence is remembered on the token for later requests. */
  readonly strong: boolean;
}

const NAMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bokta\b/i, 'Okta'],
  [/\b(entra|azure\s*ad|azuread|microsoft|aad)\b/i, 'Microsoft Entra ID'],
  [/\bonelogin\b/i, 'OneLogin'],
  [/\bping\s*federate\b|\bpingfed\b/i, 'PingFederate'],
  [/\bping\s*one\b|\bping\s*identity\b|\bping\b/i, 'PingOne'],
  [/\bjump\s*cloud\b/i, 'JumpCloud'],
  [/\bgoogle\b/i, 'Google Workspace'],
  [/\brippling\b/i, 'Rippling'],
];

const nameIn = (text: string): string | undefined => NAMES.find(([re]) => re.test(text))?.[1];

/**
 * Normalisations only Entra's default PATCH dialect needs (Microsoft Learn, SCIM compatibility
 * page). Not boolean-string: OneLogin templates send "true" strings too (`"{$user.active}"`).
 */
const ENTRA_DIALECT: readonly NormalisationId[] = ['op-case', 'manager-string'];

export function identifyIdp(input: {
  readonly userAgent: string | undefined;
  readonly tokenLabel: string | undefined;
  readonly tokenIdp: string | null | undefined;
  readonly normalisations: readonly NormalisationId[];
}): IdpGuess | undefined {
  const ua = input.userAgent?.trim();
  if (ua) {
    if (/okta scim client/i.test(ua)) return { idp: 'Okta', evidence: `user-agent: ${ua}`, strong: true };
    if (/microsoft azure ad scim|azure ad scim|microsoft\.azure\.syncfabric/i.test(ua)) return { idp: 'Microsoft Entra ID', evidence: `user-agent: ${ua}`, strong: true };
    const named = nameIn(ua);
    if (named) return { idp: named, evidence: `user-agent: ${ua}`, strong: true };
  }
  if (input.tokenLabel) {
    const named = nameIn(input.tokenLabel);
    if (named) return { idp: named, evidence: `token-label: ${input.tokenLabel}`, strong: false };
  }
  const dialect = input.normalisations.filter((n) => ENTRA_DIALECT.includes(n));
  if (dialect.length) return { idp: 'Microsoft Entra ID', evidence: `dialect: ${dialect.join(', ')}`, strong: true };
  if (input.tokenIdp) return { idp: input.tokenIdp, evidence: 'token-history', strong: false };
  if (ua && /apache-httpclient/i.test(ua)) return { idp: 'PingFederate', evidence: `user-agent (weak): ${ua}`, strong: false };
  return undefined;
}
