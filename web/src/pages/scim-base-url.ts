import type { MasterList } from '../api';

/** The list's SCIM base URL as the server states it, else built from where the app is served. */
export function scimBaseUrl(list: MasterList): string {
  return list.scimBaseUrl ?? `${window.location.origin}/scim/v2/lists/${list.id}`;
}
