/**
 * Pick an IdP, read its steps in the words of its console (this list's base URL, matching
 * attribute and mapping filled in), create its token with one click, and watch the live check.
 */
import { useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { ErrorMessage } from '../components/error-message';
import { Markdown } from '../components/markdown';
import { SecretValue } from '../components/secret-value';
import { SelectField } from '../components/select-field';
import { useAsync } from '../hooks/use-async';
import { useSession } from '../session';
import { LiveCheck } from './live-check';

// The keys of IDP_GUIDES in the server's guide definitions.
const IDPS = [
  ['okta', 'Okta'], ['entra-id', 'Microsoft Entra ID'], ['pingone', 'PingOne'], ['onelogin', 'OneLogin'],
  ['jumpcloud', 'JumpCloud'], ['google-workspace', 'Google Workspace'], ['rippling', 'Rippling'],
] as const;

export function IdpGuide({ listId }: { readonly listId: string }) {
  const { canWrite } = useSession();
  const [idp, setIdp] = useState('');
  const [token, setToken] = useState<{ idp: string; secret: string }>();
  const [error, setError] = useState<ApiError>();
  const guide = useAsync(async () => (idp ? api.lists.setupGuide(listId, idp) : undefined), [listId, idp]);
  const g = guide.data;

  const createToken = async () => {
    if (!g) return;
    setError(undefined);
    try {
      const r = await api.tokens.create(listId, g.tokenLabel);
      setToken({ idp: g.idp, secret: r.secret });
    } catch (err) {
      setError(toApiError(err));
    }
  };

  return (
    <div className="guide">
      <SelectField label="Your identity provider" value={idp} onChange={(e) => { setIdp(e.target.value); setToken(undefined); }}>
        <option value="">Choose…</option>
        {IDPS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
      </SelectField>
      <ErrorMessage error={guide.error} />
      {g ? (
        <article aria-labelledby="guide-h">
          <h3 id="guide-h">Set up {g.title}</h3>
          <div className="panel inset">
            <h4>A token for {g.title}</h4>
            {token?.idp === g.idp ? (
              <>
                <p className="warning" role="note"><strong>Copy it now:</strong> it is shown only this once. The audit trail names it “{g.tokenLabel}”.</p>
                <SecretValue label={`Token for ${g.title}`} value={token.secret} copyLabel={`Copy token for ${g.title}`} />
              </>
            ) : canWrite ? (
              <button type="button" onClick={() => void createToken()}>Create a token for {g.title}</button>
            ) : <p className="hint">Ask an admin of your organisation to create a token for {g.title}.</p>}
            <ErrorMessage error={error} />
          </div>
          <Markdown source={g.markdown} headingOffset={1} />
          <LiveCheck key={g.idp} listId={listId} idp={g.idp} title={g.title} />
        </article>
      ) : null}
    </div>
  );
}
