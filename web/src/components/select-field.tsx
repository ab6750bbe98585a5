/**
 * A labelled select. The label points at the select (for/id) instead of wrapping it: a wrapping
 * label makes the select's accessible name include its chosen option ("Role admin").
 */
import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';

type Props = SelectHTMLAttributes<HTMLSelectElement> & { readonly label: string; readonly children: ReactNode };

export function SelectField({ label, children, className, ...rest }: Props) {
  const id = useId();
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      <select id={id} {...rest}>{children}</select>
    </div>
  );
}
