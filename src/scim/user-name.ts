/**
 * How userNames compare. RFC 7643 §4.1.1 makes userName unique and caseExact=false; two spellings
 * of one name that differ only in Unicode normalisation (an "é" as U+00E9 or as "e" + U+0301, which
 * macOS and some IdPs send decomposed) or in case are one user. The key follows RFC 7613 §3.3.2
 * (UsernameCaseMapped) where it applies to an identifier Muster does not itself restrict: case
 * mapping, then normalisation form C. Width mapping and the PRECIS class restrictions are not
 * applied: userNames are whatever the IdP uses (often email addresses) and are stored as sent.
 */
export function userNameKey(userName: string): string {
  return userName.toLowerCase().normalize('NFC');
}
