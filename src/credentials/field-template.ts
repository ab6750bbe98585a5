/**
 * The `{field}` templates that bind card text and barcode data to a person: "{first_name}
 * {last_name}", "{employee_number}", "{verifyUrl}". The same brace syntax as the roster
 * mapping's `template` transform (docs/roster.md), so an admin learns it once.
 */

/** Values a card can show that are not roster fields: the renderer is given them per person. */
export const CARD_VARIABLES = ['verifyUrl'] as const;
export type CardVariable = (typeof CARD_VARIABLES)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The names between braces, in order, with duplicates; and whether a brace is left unmatched. */
export function placeholders(template: string): { readonly names: readonly string[]; readonly unmatchedBrace: boolean } {
  const names: string[] = [];
  const rest = template.replace(PLACEHOLDER, (_m, name: string) => {
    names.push(name.trim());
    return '';
  });
  return { names, unmatchedBrace: /[{}]/.test(rest) };
}

/**
 * Fills a template from a person's values. A missing, null or empty value renders as nothing
 * (never "undefined" or "null" on a printed card); numbers and booleans render as their text;
 * arrays and objects (which roster fields never hold) render as nothing rather than
 * "[object Object]".
 */
export function fillTemplate(template: string, values: Readonly<Record<string, unknown>>): string {
  // Own properties only: `{constructor}` must render nothing, not reach Object.prototype.
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    const key = name.trim();
    return display(Object.hasOwn(values, key) ? values[key] : undefined);
  });
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'bigint') return String(value);
  return '';
}
