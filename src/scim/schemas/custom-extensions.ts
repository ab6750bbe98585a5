/**
 * Schemas for custom extension attributes a list maps (Entra's
 * `urn:ietf:params:scim:schemas:extension:<Name>:2.0:User:<attr>`, Okta custom namespaces), so the
 * list's /Schemas and /ResourceTypes advertise them (RFC 7643 §7). They are single-valued strings:
 * what Entra allows for non-gallery apps, and what Muster stores them as.
 */
import { defineAttribute } from './define-attribute.js';
import type { SchemaRegistry } from './registry.js';
import type { SchemaDef } from './types.js';

/** Custom extension schemas for a set of mapped SCIM paths; registered schemas are left out. */
export function customExtensionSchemas(registry: SchemaRegistry, paths: readonly string[]): SchemaDef[] {
  const byUri = new Map<string, Set<string>>();
  for (const p of paths) {
    const m = /^(urn:[^[\]]+):([A-Za-z][\w$-]*)(?:\.[A-Za-z][\w$-]*)?(?:\[.*)?$/.exec(p);
    if (!m || registry.isSchemaUri(m[1]!)) continue;
    const attrs = byUri.get(m[1]!) ?? new Set<string>();
    attrs.add(m[2]!);
    byUri.set(m[1]!, attrs);
  }
  return [...byUri].map(([id, attrs]) => ({
    id,
    name: id.split(':').slice(-3, -2)[0] ?? id,
    description: 'Custom extension attributes this list maps to roster fields',
    attributes: [...attrs].sort().map((a) => defineAttribute(a, 'string', `Custom attribute ${a}`)),
  }));
}
