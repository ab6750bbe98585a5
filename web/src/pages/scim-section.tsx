/** SCIM provisioning: the set-up wizard right after a token was created, the IdP guides, the tokens. */
import { useEffect, useState } from 'react';
import type { MasterList } from '../api';
import { SecretValue } from '../components/secret-value';
import { forgetFreshSecret, peekFreshSecret } from '../fresh-secret';
import { IdpGuide } from './idp-guide';
import { ScimWizard } from './scim-wizard';
import { scimBaseUrl } from './scim-base-url';
import { TokenTable } from './token-table';

export function ScimSection({ list }: { readonly list: MasterList }) {
  const [fresh] = useState(() => peekFreshSecret(list.id));
  useEffect(() => forgetFreshSecret(list.id), [list.id]);
  const base = scimBaseUrl(list);
  return (
    <>
      {fresh ? <ScimWizard list={list} secret={fresh.secret} /> : (
        <section aria-labelledby="conn-h" className="panel">
          <h2 id="conn-h">Connection details</h2>
          <SecretValue label="SCIM base URL" value={base} copyLabel="Copy base URL" />
          <p className="hint">Tokens are shown once, when created. Create a new one below if you need it.</p>
          <IdpGuide listId={list.id} />
        </section>
      )}
      <TokenTable listId={list.id} />
    </>
  );
}
