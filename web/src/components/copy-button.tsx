/** Copies a value to the clipboard and says so (out loud too). */
import { useState } from 'react';

export function CopyButton({ value, label }: { readonly value: string; readonly label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      // Clipboard access can be refused (plain HTTP, permissions): the value stays selectable on screen.
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" className="secondary" onClick={copy}>{label}</button>
      <span role="status" aria-live="polite" className="copy-status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </>
  );
}
