/** Why a sign-in with the organisation's identity provider did not work, in words (codes: docs/errors.md). */
const WORDS: ReadonlyMap<string, string> = new Map([
  ['domain_not_allowed', 'Your email address is not in a domain this organisation lets sign in to Muster. Sign in with your work account, or ask an owner to allow your domain.'],
  ['group_not_mapped', 'None of your groups at the identity provider gives access to Muster. Ask an owner to add your group to the mapping, or your IT team to add you to a mapped group.'],
  ['idp_unreachable', 'Muster could not reach your identity provider. Try again in a minute; if it keeps happening, tell an owner (the issuer URL may be wrong, or the provider down).'],
  ['state_mismatch', 'This sign-in could not be matched to one started in this browser (it expired, was used already, or started elsewhere). Start again with the button below.'],
  ['token_invalid', 'The identity provider\'s answer did not pass Muster\'s checks (wrong client, expired or badly signed). Try again; if it keeps happening, tell an owner.'],
  ['idp_error', 'The identity provider refused the sign-in. If you cancelled, start again; otherwise ask your IT team whether Muster is assigned to you.'],
  ['email_missing', 'The identity provider did not send your email address. Ask an owner to check the connection asks for the "email" scope.'],
  ['email_unverified', 'The identity provider does not say your email address is verified, so Muster cannot match it to an account.'],
  ['sso_other_organisation', 'Your email address already has a Muster account in another organisation.'],
  ['sso_account_mismatch', 'Your email address belongs to a Muster account that signs in as another person at your identity provider (the address may have been someone else\'s before). Ask an owner to remove that account; then sign in again.'],
  ['sso_not_configured', 'This organisation does not sign in with an identity provider (any more). Sign in with your password.'],
  ['unexpected', 'Signing in with your identity provider failed on Muster\'s side. Try again; if it keeps happening, tell an owner (the server log says why).'],
  ['too_many_attempts', 'Too many sign-in attempts from your address. Wait a minute and try again.'],
]);

export const ssoErrorWords = (code: string): string => WORDS.get(code) ?? `Signing in with your identity provider did not work (${code}).`;
