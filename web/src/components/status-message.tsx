/** A polite live region: screen readers announce what an async action did without moving focus. */
import type { ReactNode } from 'react';

export function StatusMessage({ children, className }: { readonly children: ReactNode; readonly className?: string }) {
  return <p role="status" aria-live="polite" className={className ?? 'status'}>{children}</p>;
}
