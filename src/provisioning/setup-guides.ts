/**
 * The IdP set-up guides (docs/idps/*.md), served for one list with its base URL and id filled in,
 * so the admin UI can show the steps for the IdP the admin picks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SETUP_GUIDES: Readonly<Record<string, { readonly file: string; readonly title: string }>> = {
  okta: { file: 'okta.md', title: 'Okta' },
  'entra-id': { file: 'entra-id.md', title: 'Microsoft Entra ID' },
  pingone: { file: 'pingone.md', title: 'PingOne and PingFederate' },
  onelogin: { file: 'onelogin.md', title: 'OneLogin' },
  jumpcloud: { file: 'jumpcloud.md', title: 'JumpCloud' },
  'google-workspace': { file: 'google-workspace.md', title: 'Google Workspace' },
  rippling: { file: 'rippling.md', title: 'Rippling' },
};

/** docs/idps beside the package: two levels above dist/provisioning or src/provisioning. */
const DEFAULT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'idps');

export function setupGuide(idp: string, list: { readonly id: string; readonly scimBaseUrl: string; readonly origin: string }, dir = DEFAULT_DIR): { idp: string; title: string; markdown: string } | undefined {
  const g = SETUP_GUIDES[idp];
  if (!g) return undefined;
  const text = fs.readFileSync(path.join(dir, g.file), 'utf8');
  const markdown = text
    .replaceAll('https://<your-muster>/scim/v2/lists/<listId>', list.scimBaseUrl)
    .replaceAll('https://<your-muster>', list.origin)
    .replaceAll('<listId>', list.id);
  return { idp, title: g.title, markdown };
}
