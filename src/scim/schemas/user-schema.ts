/**
 * The core User schema, RFC 7643 §4.1 with the characteristics of the normative
 * representation in §8.7.1. Descriptions are shortened to one sentence.
 *
 * One deliberate addition to §8.7.1: `addresses.primary`. §8.7.1 omits it, but §2.4 defines
 * `primary` for every multi-valued attribute and the §8.2 full User example sends
 * `addresses[].primary`; identity providers do too.
 */
import { defineAttribute } from './define-attribute.js';
import type { AttributeOverrides } from './define-attribute.js';
import type { AttributeDef, SchemaDef } from './types.js';
import { USER_SCHEMA } from './urns.js';

const str = (name: string, description: string, o: AttributeOverrides = {}): AttributeDef =>
  defineAttribute(name, 'string', description, o);

const display = (): AttributeDef =>
  str('display', 'A human-readable name, primarily used for display purposes.');

const type = (description: string, canonicalValues?: readonly string[]): AttributeDef =>
  str('type', description, canonicalValues ? { canonicalValues: Object.freeze([...canonicalValues]) } : {});

const primary = (description: string): AttributeDef =>
  defineAttribute('primary', 'boolean', description);

const multiComplex = (name: string, description: string, subAttributes: readonly AttributeDef[]): AttributeDef =>
  defineAttribute(name, 'complex', description, { multiValued: true, subAttributes: Object.freeze([...subAttributes]) });

const PRIMARY_ONCE = "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.";

const nameAttr = defineAttribute('name', 'complex', "The components of the user's real name.", {
  subAttributes: Object.freeze([
    str('formatted', 'The full name, including all middle names, titles, and suffixes as appropriate, formatted for display.'),
    str('familyName', 'The family name of the User, or last name in most Western languages.'),
    str('givenName', 'The given name of the User, or first name in most Western languages.'),
    str('middleName', 'The middle name(s) of the User.'),
    str('honorificPrefix', 'The honorific prefix(es) of the User, or title in most Western languages.'),
    str('honorificSuffix', 'The honorific suffix(es) of the User, or suffix in most Western languages.'),
  ]),
});

const emails = multiComplex('emails', "Email addresses for the user, canonical type values 'work', 'home' and 'other'.", [
  str('value', 'Email addresses for the user.'),
  display(),
  type("A label indicating the attribute's function, e.g., 'work' or 'home'.", ['work', 'home', 'other']),
  primary(PRIMARY_ONCE),
]);

const phoneNumbers = multiComplex('phoneNumbers', 'Phone numbers for the User, canonicalized per RFC 3966 where possible.', [
  str('value', 'Phone number of the User.'),
  display(),
  type("A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.", [
    'work',
    'home',
    'mobile',
    'fax',
    'pager',
    'other',
  ]),
  primary(PRIMARY_ONCE),
]);

const ims = multiComplex('ims', 'Instant messaging addresses for the User.', [
  str('value', 'Instant messaging address for the User.'),
  display(),
  type("A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.", [
    'aim',
    'gtalk',
    'icq',
    'xmpp',
    'msn',
    'skype',
    'qq',
    'yahoo',
  ]),
  primary(PRIMARY_ONCE),
]);

const photos = multiComplex('photos', 'URLs of photos of the User.', [
  defineAttribute('value', 'reference', 'URL of a photo of the User.', { referenceTypes: Object.freeze(['external']) }),
  display(),
  type("A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.", ['photo', 'thumbnail']),
  primary(PRIMARY_ONCE),
]);

const addresses = multiComplex('addresses', "A physical mailing address for this User, canonical type values 'work', 'home' and 'other'.", [
  str('formatted', 'The full mailing address, formatted for display or use with a mailing label.'),
  str('streetAddress', 'The full street address component.'),
  str('locality', 'The city or locality component.'),
  str('region', 'The state or region component.'),
  str('postalCode', 'The zip code or postal code component.'),
  str('country', 'The country name component.'),
  type("A label indicating the attribute's function, e.g., 'work' or 'home'.", ['work', 'home', 'other']),
  primary(PRIMARY_ONCE),
]);

const readOnly = { mutability: 'readOnly' } as const;

const groups = defineAttribute('groups', 'complex', 'A list of groups to which the user belongs, directly, through nested groups, or dynamically.', {
  multiValued: true,
  mutability: 'readOnly',
  subAttributes: Object.freeze([
    str('value', "The identifier of the User's group.", readOnly),
    defineAttribute('$ref', 'reference', "The URI of the corresponding 'Group' resource to which the user belongs.", {
      ...readOnly,
      referenceTypes: Object.freeze(['User', 'Group']),
    }),
    str('display', 'A human-readable name, primarily used for display purposes.', readOnly),
    str('type', "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.", {
      ...readOnly,
      canonicalValues: Object.freeze(['direct', 'indirect']),
    }),
  ]),
});

const entitlements = multiComplex('entitlements', 'A list of entitlements for the User that represent a thing the User has.', [
  str('value', 'The value of an entitlement.'),
  display(),
  type("A label indicating the attribute's function."),
  primary(PRIMARY_ONCE),
]);

const roles = multiComplex('roles', "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.", [
  str('value', 'The value of a role.'),
  display(),
  type("A label indicating the attribute's function.", []),
  primary(PRIMARY_ONCE),
]);

const x509Certificates = multiComplex('x509Certificates', 'A list of certificates issued to the User.', [
  defineAttribute('value', 'binary', 'The value of an X.509 certificate.'),
  display(),
  type("A label indicating the attribute's function.", []),
  primary(PRIMARY_ONCE),
]);

export const USER_SCHEMA_DEF: SchemaDef = Object.freeze({
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: Object.freeze([
    str('userName', 'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.', {
      required: true,
      uniqueness: 'server',
    }),
    nameAttr,
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'."),
    defineAttribute('profileUrl', 'reference', "A fully qualified URL pointing to a page representing the User's online profile.", {
      referenceTypes: Object.freeze(['external']),
    }),
    str('title', "The user's title, such as 'Vice President'."),
    str('userType', 'Used to identify the relationship between the organization and the user.'),
    str('preferredLanguage', "Indicates the User's preferred written or spoken language, e.g., 'en_US'."),
    str('locale', "Used to indicate the User's default location for purposes of localizing items such as currency or date formats."),
    str('timezone', "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
    defineAttribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    str('password', "The User's cleartext password, used to set an initial password or reset an existing one.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    emails,
    phoneNumbers,
    ims,
    photos,
    addresses,
    groups,
    entitlements,
    roles,
    x509Certificates,
  ]),
});
