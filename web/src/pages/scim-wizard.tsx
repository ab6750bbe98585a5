/**
 * Right after SCIM was turned on: what Muster did (unique identifier, default schema), then the
 * base URL and the token, shown this once, then the steps for the admin's IdP.
 */
import { api, type MasterList } from '../api';
import { SecretValue } from '../components/secret-value';
import { useAsync } from '../hooks/use-async';
import { UID_LABELS } from '../labels';
import { IdpGuide } from './idp-guide';
import { scimBaseUrl } from './scim-base-url';

export function ScimWizard({ list, secret }: { readonly list: MasterList; readonly secret: string }) {
  const fields = useAsync(() => api.roster.fields(list.id), [list.id]);
  return (
    <section aria-labelledby="wizard-h" className="panel wizard">
      <h2 id="wizard-h">Set up automated provisioning</h2>
      <ol className="steps">
        <li className="done">
          <h3>Unique identifier</h3>
          <p>People are matched on <strong>{UID_LABELS[list.uidAttribute]}</strong>.</p>
        </li>
        <li className="done">
          <h3>Default schema</h3>
          <p>{fields.data ? `Muster set up ${fields.data.fields.length} roster fields, each fed by a SCIM attribute. Change them any time in the mapping editor.` : 'Muster set up the default roster fields.'}</p>
        </li>
        <li>
          <h3>Connect your identity provider</h3>
          <p className="warning" role="note"><strong>Copy the token now.</strong> It is shown only this once; Muster keeps only a hash of it.</p>
          <SecretValue label="SCIM base URL" value={scimBaseUrl(list)} copyLabel="Copy base URL" />
          <SecretValue label="Bearer token" value={secret} copyLabel="Copy token" />
        </li>
        <li>
          <h3>Follow your IdP&apos;s steps</h3>
          <IdpGuide listId={list.id} />
        </li>
      </ol>
    </section>
  );
}
