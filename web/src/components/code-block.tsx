/**
 * Preformatted text that may be wider or taller than its box (JSON bodies, commands). It can be
 * focused, so that keyboard users can scroll it with the arrow keys (WCAG 2.1.1), and it is a
 * named region, so that screen readers say what it is when it takes focus.
 */
import type { ReactNode } from 'react';

export function CodeBlock({ label, className, children }: { readonly label: string; readonly className?: string; readonly children: ReactNode }) {
  return <pre className={className} tabIndex={0} role="region" aria-label={label}>{children}</pre>;
}
