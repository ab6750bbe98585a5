/**
 * Suspend, revoke (with a reason, after a confirmation) or reinstate a credential. Revoking is
 * for good, so it asks in place with the reason field before it commits.
 */
import { useState } from 'react';
import type { Credential } from '../../api';

interface Props {
  readonly credential: Credential;
  readonly label: string;
  readonly onAct: (action: 'suspend' | 'revoke' | 'reinstate', reason?: string) => Promise<void>;
}

export function StatusChange({ credential: c, label, onAct }: Props) {
  const [asking, setAsking] = useState<'suspend' | 'revoke'>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (action: 'suspend' | 'revoke' | 'reinstate', why?: string) => {
    setBusy(true);
    try {
      await onAct(action, why);
      setAsking(undefined);
      setReason('');
    } finally {
      setBusy(false);
    }
  };
  // Only a suspension, or a revocation by deactivation, can be undone (docs/credentials.md).
  const reinstatable = c.status === 'suspended' || (c.status === 'revoked' && c.statusReason === 'person deactivated');
  if (asking) {
    const question = asking === 'revoke'
      ? `Revoke this ${label.toLowerCase()} for good? It stops verifying at once and cannot be reinstated.`
      : `Suspend this ${label.toLowerCase()}? It stops verifying until it is reinstated.`;
    return (
      <form className="confirm" aria-label={question} onSubmit={(e) => { e.preventDefault(); void run(asking, reason.trim() || undefined); }}>
        <span>{question}</span>
        <label>Reason{asking === 'revoke' ? '' : ' (optional)'}
          <input value={reason} required={asking === 'revoke'} maxLength={500} onChange={(e) => setReason(e.target.value)} placeholder={asking === 'revoke' ? 'Card reported stolen' : 'Card reported lost'} autoFocus />
        </label>
        <button type="submit" className="danger" disabled={busy}>{asking === 'revoke' ? 'Revoke' : 'Suspend'} {label.toLowerCase()}</button>
        <button type="button" className="secondary" disabled={busy} onClick={() => setAsking(undefined)}>Cancel</button>
      </form>
    );
  }
  return (
    <div className="toolbar">
      {c.status === 'valid' ? <button type="button" className="secondary" onClick={() => setAsking('suspend')}>Suspend…<span className="visually-hidden"> {label}</span></button> : null}
      {c.status !== 'revoked' ? <button type="button" className="danger" onClick={() => setAsking('revoke')}>Revoke…<span className="visually-hidden"> {label}</span></button> : null}
      {reinstatable ? <button type="button" className="secondary" disabled={busy} onClick={() => void run('reinstate')}>Reinstate<span className="visually-hidden"> {label}</span></button> : null}
    </div>
  );
}
