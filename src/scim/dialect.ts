/**
 * IdP dialects: every way a real identity provider departs from RFC 7643/7644 that Muster
 * accepts by default. Each normalisation has one id, one place, and the IdP and source that
 * document it. A request collects the ids it needed in `Normalisations`, so the audit trail can
 * show them and a strict mode can refuse them.
 */

import { ScimError, type ScimType } from './errors.js';

export const NORMALISATIONS = {
  /** Entra ID sends `"op": "Replace"` / `"Add"` / `"Remove"` (PascalCase) without the aadOptscim062020 flag. Source: Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol compliance" (application-provisioning-config-problem-scim-compatibility). */
  'op-case': { idp: 'Microsoft Entra ID', rule: 'RFC 7644 §3.5.2: "op" is one of "add", "remove" or "replace"' },
  /** Entra ID sends booleans as the strings "True"/"False" (e.g. `active`). Source: same Microsoft Learn page; rancher/rancher#52996. */
  'boolean-string': { idp: 'Microsoft Entra ID', rule: 'RFC 7643 §2.3.2: booleans are JSON true or false' },
  /** Entra ID with aadOptscim062020 (and Okta) put several attributes in one path-less operation, with dotted keys such as "name.givenName" and full extension URNs as keys. Source: Microsoft Learn (same page); Captain-P-Goldfish/scim-for-keycloak#26. */
  'pathless-dotted-keys': { idp: 'Microsoft Entra ID', rule: 'RFC 7644 §3.5.2: a path-less value is a resource fragment, not a map of paths' },
  /** Entra ID (default) and JumpCloud remove group members with `{"op":"Remove","path":"members","value":[{"value":"id"}]}`; only those members may go. Source: Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol compliance"; MicrosoftDocs/azure-docs#30826; for JumpCloud, app.uni-moni.com/en/kb/sso-setup-jumpcloud (third-party). */
  'remove-by-value': { idp: 'Microsoft Entra ID, JumpCloud', rule: 'RFC 7644 §3.5.2.2: remove takes no value; a filter in the path selects values' },
  /** Entra ID sends `manager` as a bare id string in POST and PATCH. Source: Captain-P-Goldfish/SCIM-SDK#686; azure-docs#11784. */
  'manager-string': { idp: 'Microsoft Entra ID', rule: 'RFC 7643 §4.3: manager is a complex attribute with a "value" sub-attribute' },
  /** Entra ID sends custom extension objects whose URN is not listed in `schemas`. Source: Microsoft Learn, "Customize application attributes". */
  'extension-not-in-schemas': { idp: 'Microsoft Entra ID', rule: 'RFC 7643 §3: "schemas" lists every schema the resource uses' },
  /** Entra ID adds `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`; OneLogin templates use `urn:scim:schemas:…`. Source: Microsoft Learn, "Develop a SCIM endpoint" (Create Group request); goauthentik/authentik#11249 (OneLogin). */
  'unknown-schema-uri': { idp: 'Microsoft Entra ID, OneLogin', rule: 'RFC 7643 §3: schemas must be ones the service provider supports' },
  /** Okta echoes `id`, `meta`, `groups` and `password` in PUT; OneLogin sends `"id": null`. They are ignored. Source: Okta SCIM 2.0 guide; Keepnet Labs, "Onelogin SCIM Integration" (doc.keepnetlabs.com, a third-party OneLogin template). */
  'readonly-ignored': { idp: 'Okta, OneLogin', rule: 'RFC 7644 §3.5.1: readOnly values in a request are ignored (allowed, but noted)' },
  /** Microsoft's validator and suite call `/users`, `/groups` in lower case. Source: AzureAD/SCIMReferenceCode Postman collection. */
  'endpoint-case': { idp: 'Microsoft Entra ID validator', rule: 'RFC 7644 §3.2: endpoints are /Users and /Groups' },
  /** Microsoft's suite calls `/serviceConfiguration` for ServiceProviderConfig. Source: AzureAD/SCIMReferenceCode Postman collection. */
  'service-configuration-alias': { idp: 'Microsoft Entra ID validator', rule: 'RFC 7644 §4: the endpoint is /ServiceProviderConfig' },
  /** OneLogin adds a trailing `&` to filter queries and `?` to PUT/PATCH URLs. Source: goauthentik/authentik#11249. */
  'trailing-separator': { idp: 'OneLogin', rule: 'RFC 3986 query syntax' },
  /** Entra ID encodes spaces in filters as `+`. Source: Microsoft Learn, "Develop a SCIM endpoint" (filter examples). */
  'plus-as-space': { idp: 'Microsoft Entra ID', rule: 'RFC 3986: a space is %20 in a URI' },
  /** Some clients send a single value where the attribute is multi-valued. */
  'single-as-array': { idp: 'OneLogin templates', rule: 'RFC 7643 §2.4: multi-valued attributes are JSON arrays' },
  /** Clients send numbers where the schema says string (employeeNumber 1234). */
  'number-as-string': { idp: 'various', rule: 'RFC 7643 §2.3.1: strings are JSON strings' },
  /** More than one value of a multi-valued attribute marked primary: the first one keeps it. */
  'multiple-primary': { idp: 'various', rule: 'RFC 7643 §2.4: "primary" is true for at most one value' },
  /** Entra ID replaces `emails[type eq "work"].value` when there is no work email yet: the value is created. Source: limosa-io/laravel-scim-server#34. */
  'replace-creates-value': { idp: 'Microsoft Entra ID', rule: 'RFC 7644 §3.5.2.3: a value filter that matches nothing is 400 noTarget' },
  /** A PatchOp or resource body without `schemas`. */
  'missing-schemas': { idp: 'various', rule: 'RFC 7643 §3: "schemas" is REQUIRED' },
  /** OneLogin's admin-edited templates use SCIM 1.1-style URNs: `urn:scim:schemas:core:2.0` and `urn:scim:schemas:extension:enterprise:2.0`. Source: goauthentik/authentik#11249. */
  'legacy-urn': { idp: 'OneLogin', rule: 'RFC 7643 §8.7.1: the schema URNs are urn:ietf:params:scim:schemas:…' },
  /** OneLogin members given as bare id strings instead of {"value": id}. */
  'member-as-string': { idp: 'OneLogin', rule: 'RFC 7643 §4.2: members are complex values with "value"' },
} as const;

export type NormalisationId = keyof typeof NORMALISATIONS;

/** The normalisations one request needed, in the order first met. */
/**
 * What strict mode answers for each normalisation: the scimType of its 400, or `allowed` for the
 * ones the RFC itself permits (ignoring readOnly values, RFC 7644 §3.5.1).
 */
const STRICT: Readonly<Record<NormalisationId, ScimType | 'allowed'>> = {
  'op-case': 'invalidSyntax', 'boolean-string': 'invalidValue', 'pathless-dotted-keys': 'invalidPath', 'remove-by-value': 'invalidSyntax',
  'manager-string': 'invalidValue', 'extension-not-in-schemas': 'invalidValue', 'unknown-schema-uri': 'invalidValue',
  'readonly-ignored': 'allowed', 'endpoint-case': 'invalidSyntax', 'service-configuration-alias': 'invalidSyntax',
  'trailing-separator': 'invalidSyntax', 'plus-as-space': 'invalidFilter', 'single-as-array': 'invalidValue', 'number-as-string': 'invalidValue',
  'multiple-primary': 'invalidValue', 'replace-creates-value': 'noTarget', 'missing-schemas': 'invalidSyntax', 'member-as-string': 'invalidValue',
  'legacy-urn': 'invalidValue',
};

export class Normalisations {
  private readonly seen = new Set<NormalisationId>();
  /** Strict mode (per list): every non-RFC form is refused with a 400 naming the rule it breaks. */
  strict = false;
  /** Things the request asked for that Muster ignored on purpose (e.g. a member that is no user of the list). */
  readonly warnings: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  note(id: NormalisationId): void {
    const refusal = STRICT[id];
    if (this.strict && refusal !== 'allowed') {
      const n = NORMALISATIONS[id];
      throw new ScimError(400, refusal, `strict mode refuses this request: ${n.rule} (the "${id}" form, sent by ${n.idp}, is accepted when the list's strict mode is off)`);
    }
    this.seen.add(id);
  }
  list(): readonly NormalisationId[] {
    return [...this.seen];
  }
}

/** `Add`/`REPLACE` → `add`/`replace` (op-case). Returns undefined for an op that is none of the three. */
export function normaliseOp(op: unknown, notes: Normalisations): 'add' | 'replace' | 'remove' | undefined {
  if (typeof op !== 'string') return undefined;
  const lower = op.toLowerCase();
  if (lower !== 'add' && lower !== 'replace' && lower !== 'remove') return undefined;
  if (lower !== op) notes.note('op-case');
  return lower;
}

/** `"True"`/`"false"` → boolean (boolean-string); undefined when the value is no boolean at all. */
export function coerceBoolean(v: unknown, notes: Normalisations): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) {
    notes.note('boolean-string');
    return v.trim().toLowerCase() === 'true';
  }
  return undefined;
}

/** OneLogin's legacy URNs and the schema each stands for (legacy-urn). A Map: looked up by input, so `constructor` must not find Object's. */
const LEGACY_URNS: ReadonlyMap<string, string> = new Map([
  ['urn:scim:schemas:core:2.0', 'core'],
  ['urn:scim:schemas:extension:enterprise:2.0', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
]);

/**
 * The schema URN a legacy one stands for (`core` for the resource's core schema), noting
 * legacy-urn; the URN itself when it is not legacy.
 */
export function canonicalUrn(uri: string, notes: Normalisations): string {
  const mapped = LEGACY_URNS.get(uri.toLowerCase());
  if (mapped === undefined) return uri;
  notes.note('legacy-urn');
  return mapped;
}
