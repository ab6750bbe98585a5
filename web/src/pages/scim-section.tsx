/** SCIM provisioning: the set-up steps (with the token just created, shown once), the IdP guides, the tokens. */
import { useEffect, useState } from 'react';
import type { MasterList } from '../api';
import { forgetFreshSecret, peekFreshSecret } from '../fresh-secret';
import { ScimWizard } from './scim-wizard';
import { TokenTable } from './token-table';

export function ScimSection({ list, reloadList }: { readonly list: MasterList; readonly reloadList: () => Promise<void> }) {
  const [fresh] = useState(() => peekFreshSecret(list.id));
  useEffect(() => forgetFreshSecret(list.id), [list.id]);
  return (
    <>
      <ScimWizard list={list} reloadList={reloadList} secret={fresh?.secret} />
      <TokenTable listId={list.id} />
    </>
  );
}
