/** A person's address as the server picks it (src/email/email-service.ts personEmail): the primary of their SCIM emails, else the first. */
export function personEmail(scim: unknown): string | undefined {
  const emails = typeof scim === 'object' && scim !== null && Array.isArray((scim as { emails?: unknown }).emails) ? (scim as { emails: unknown[] }).emails : [];
  const values = emails.filter((x): x is { value: string; primary?: unknown } => typeof x === 'object' && x !== null && typeof (x as { value?: unknown }).value === 'string');
  const v = (values.find((x) => x.primary === true) ?? values[0])?.value.trim();
  return v && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? v : undefined;
}
