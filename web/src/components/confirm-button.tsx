/**
 * A button for something that cannot be undone: the first click asks, in place, with a sentence
 * saying what will happen; the second commits. No modal, so focus and screen readers stay simple.
 * Escape or Cancel takes the question back and returns focus to the first button.
 */
import { useEffect, useRef, useState } from 'react';

export interface ConfirmButtonProps {
  readonly label: string;
  readonly question: string;
  readonly confirmLabel: string;
  readonly onConfirm: () => Promise<void> | void;
  readonly danger?: boolean;
  readonly disabled?: boolean;
  /** A longer accessible name when several such buttons share a screen ("Remove field Job title"). */
  readonly ariaLabel?: string;
  /** The first button's look, when it should be quieter than a red button (one per table row). */
  readonly className?: string;
}

export function ConfirmButton({ label, question, confirmLabel, onConfirm, danger = true, disabled, ariaLabel, className }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const backToFirst = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (backToFirst.current) {
      backToFirst.current = false;
      first.current?.focus();
    }
  }, [asking]);
  if (!asking) {
    return <button ref={first} type="button" className={className ?? (danger ? 'danger' : 'secondary')} disabled={disabled} aria-label={ariaLabel} onClick={() => setAsking(true)}>{label}</button>;
  }
  const cancel = () => {
    backToFirst.current = true;
    setAsking(false);
  };
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span className="confirm" role="group" aria-label={question}
      onKeyDown={(e) => { if (e.key === 'Escape' && !busy) { e.preventDefault(); cancel(); } }}>
      <span>{question}</span>
      <button ref={yes} type="button" className={danger ? 'danger' : ''} disabled={busy} onClick={confirm}>{confirmLabel}</button>
      <button type="button" className="secondary" disabled={busy} onClick={cancel}>Cancel</button>
    </span>
  );
}
