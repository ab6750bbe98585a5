/** Pick an IdP, read its set-up guide with this list's base URL already filled in. */
import { useState } from 'react';
import { api } from '../api';
import { ErrorMessage } from '../components/error-message';
import { Markdown } from '../components/markdown';
import { useAsync } from '../hooks/use-async';
import { SelectField } from '../components/select-field';

// The keys of SETUP_GUIDES in src/provisioning/setup-guides.ts.
const IDPS = [
  ['okta', 'Okta'], ['entra-id', 'Microsoft Entra ID'], ['pingone', 'PingOne / PingFederate'], ['onelogin', 'OneLogin'],
  ['jumpcloud', 'JumpCloud'], ['google-workspace', 'Google Workspace'], ['rippling', 'Rippling'],
] as const;

export function IdpGuide({ listId }: { readonly listId: string }) {
  const [idp, setIdp] = useState('');
  const guide = useAsync(async () => (idp ? api.lists.setupGuide(listId, idp) : undefined), [listId, idp]);
  return (
    <div className="guide">
      <SelectField label="Your identity provider" value={idp} onChange={(e) => setIdp(e.target.value)}>
          <option value="">Choose…</option>
          {IDPS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </SelectField>
      <ErrorMessage error={guide.error} />
      {guide.data ? (
        <article aria-label={`Set-up guide for ${guide.data.title}`}>
          <Markdown source={guide.data.markdown} headingOffset={2} />
        </article>
      ) : null}
    </div>
  );
}
