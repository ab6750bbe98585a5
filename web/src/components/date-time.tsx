/** A timestamp in the reader's locale, with the exact ISO time for machines and tooltips. */
export function DateTime({ value, fallback = '—' }: { readonly value: string | null | undefined; readonly fallback?: string }) {
  if (!value) return <>{fallback}</>;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return <>{value}</>;
  return <time dateTime={value} title={value}>{d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}</time>;
}
