/** A token just created: its secret, shown this once, and (after a rotation) the old token's revoke button. */
import type { Token } from '../api';
import { SecretValue } from '../components/secret-value';

export interface NewToken {
  readonly token: Token;
  readonly secret: string;
  readonly replaces?: Token;
}

export function NewTokenPanel({ created, onRevokeOld, onDismiss }: {
  readonly created: NewToken; readonly onRevokeOld: (old: Token) => void; readonly onDismiss: () => void;
}) {
  return (
    <div className="panel new-token" role="region" aria-labelledby="new-token-h">
      <h3 id="new-token-h">New token “{created.token.label}”</h3>
      <p className="warning"><strong>Copy it now:</strong> it is shown only this once.</p>
      <SecretValue label="New bearer token" value={created.secret} copyLabel="Copy new token" />
      {created.replaces ? (
        <>
          <p>Put the new token into your IdP and check that provisioning works. Then revoke the old one ({created.replaces.hint}); until you do, both work.</p>
          <button type="button" className="danger" onClick={() => onRevokeOld(created.replaces!)}>Revoke old token</button>
        </>
      ) : null}
      <button type="button" className="secondary" onClick={onDismiss}>I have copied it</button>
    </div>
  );
}
