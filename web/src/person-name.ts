/** The name a screen shows for a person: first and last name, else display name, else username. */
import type { Person } from './api';
import { valueText } from './components/value-text';

export function personName(p: Pick<Person, 'fields' | 'userName'>): string {
  return [p.fields.first_name, p.fields.last_name].filter(Boolean).join(' ') || valueText(p.fields.display_name ?? p.userName);
}
