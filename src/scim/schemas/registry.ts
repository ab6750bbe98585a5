/**
 * The schema registry: which schemas and resource types this server serves, and the
 * case-insensitive resolution of attribute paths against them (RFC 7643 §2.1, RFC 7644 §3.10).
 * Instances are immutable; build one per server (no process-global state).
 */
import { COMMON_ATTRIBUTES } from './common-attributes.js';
import { ENTERPRISE_USER_SCHEMA_DEF } from './enterprise-user-schema.js';
import { GROUP_SCHEMA_DEF } from './group-schema.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from './resource-types.js';
import type { AttributeDef, ResourceTypeDef, ResourceTypeId, SchemaDef } from './types.js';
import { USER_SCHEMA_DEF } from './user-schema.js';

/** `[uri ":"] attr ["." sub]`, structurally identical to the filter AST's AttrPath. */
export interface AttrPathLike {
  readonly uri?: string;
  readonly attr: string;
  readonly sub?: string;
}

/** The schema id `resolve` reports for the common attributes (RFC 7643 §3.1). */
export const COMMON_SCHEMA = 'common';

export interface ResolvedAttr {
  /** The id of the schema defining the attribute, or 'common' for id/externalId/meta. */
  readonly schema: string;
  /** The top-level attribute. */
  readonly def: AttributeDef;
  /** The sub-attribute, when the path named one. */
  readonly subDef?: AttributeDef;
  /** The path with the RFC's casing, without the URN: 'name.givenName', 'emails.value'. */
  readonly canonicalName: string;
}

const lower = (s: string): string => s.toLowerCase();

/**
 * Attribute lists by lower-case name, built once per (immutable) list. Rendering resolves every
 * attribute of every resource, and the linear search with two toLowerCase calls per attribute
 * compared was about a tenth of the CPU of a page of 100 (bench/RESULTS.md, "Where the
 * microseconds go"). A WeakMap: lists built per request (custom extensions) go with their request.
 */
const BY_NAME = new WeakMap<readonly AttributeDef[], ReadonlyMap<string, AttributeDef>>();

function findAttr(attrs: readonly AttributeDef[], name: string): AttributeDef | undefined {
  let index = BY_NAME.get(attrs);
  if (!index) {
    const m = new Map<string, AttributeDef>();
    for (const a of attrs) if (!m.has(lower(a.name))) m.set(lower(a.name), a); // the first wins, as find() did
    BY_NAME.set(attrs, m);
    index = m;
  }
  return index.get(lower(name));
}

export class SchemaRegistry {
  private readonly schemas: ReadonlyMap<string, SchemaDef>;
  private readonly resourceTypes: ReadonlyMap<ResourceTypeId, ResourceTypeDef>;

  constructor(schemas: readonly SchemaDef[], resourceTypes: readonly ResourceTypeDef[]) {
    const byId = new Map<string, SchemaDef>();
    for (const s of schemas) {
      if (byId.has(lower(s.id))) throw new TypeError(`duplicate schema ${s.id}`);
      byId.set(lower(s.id), s);
    }
    const rts = new Map<ResourceTypeId, ResourceTypeDef>();
    for (const rt of resourceTypes) {
      if (rts.has(rt.id)) throw new TypeError(`duplicate resource type ${rt.id}`);
      for (const uri of [rt.schema, ...rt.schemaExtensions.map((e) => e.schema)]) {
        if (!byId.has(lower(uri))) throw new TypeError(`resource type ${rt.id} references unknown schema ${uri}`);
      }
      rts.set(rt.id, rt);
    }
    this.schemas = byId;
    this.resourceTypes = rts;
  }

  /** The schema with this id (URNs compare case-insensitively), or undefined. */
  getSchema(id: string): SchemaDef | undefined {
    return this.schemas.get(lower(id));
  }

  /** Every registered schema, in registration order. */
  all(): readonly SchemaDef[] {
    return [...this.schemas.values()];
  }

  /** True when `s` is the id of a registered schema (case-insensitive). */
  isSchemaUri(s: string): boolean {
    return this.schemas.has(lower(s));
  }

  getResourceType(rt: ResourceTypeId): ResourceTypeDef | undefined {
    return this.resourceTypes.get(rt);
  }

  /** Every registered resource type, in registration order. */
  allResourceTypes(): readonly ResourceTypeDef[] {
    return [...this.resourceTypes.values()];
  }

  /** The core schema of a resource type. Throws if the resource type is not registered. */
  coreSchemaFor(rt: ResourceTypeId): SchemaDef {
    const def = this.requireResourceType(rt);
    return this.requireSchema(def.schema);
  }

  /** The extension schemas of a resource type, with whether each is required. */
  extensionsFor(rt: ResourceTypeId): readonly { readonly schema: SchemaDef; readonly required: boolean }[] {
    return this.requireResourceType(rt).schemaExtensions.map((e) => ({
      schema: this.requireSchema(e.schema),
      required: e.required,
    }));
  }

  /**
   * Resolve `[uri:]attr[.sub]` for a resource type, case-insensitively.
   * - With `uri`: only that schema, which must be the resource type's core schema or one of its
   *   extensions. For the core schema the common attributes (id, externalId, meta) are also
   *   accepted, since clients qualify them with the core URN.
   * - Without `uri`: common attributes, then the core schema, then the extensions.
   * Returns undefined when the attribute, or the named sub-attribute, does not exist.
   */
  resolve(rt: ResourceTypeId, path: AttrPathLike): ResolvedAttr | undefined {
    const rtDef = this.resourceTypes.get(rt);
    if (!rtDef) return undefined;
    const found = path.uri === undefined ? this.findUnqualified(rtDef, path.attr) : this.findQualified(rtDef, path.uri, path.attr);
    if (!found) return undefined;
    const { schema, def } = found;
    if (path.sub === undefined) return { schema, def, canonicalName: def.name };
    const subDef = def.subAttributes ? findAttr(def.subAttributes, path.sub) : undefined;
    if (!subDef) return undefined;
    return { schema, def, subDef, canonicalName: `${def.name}.${subDef.name}` };
  }

  /** The schema ids a resource type may carry: core first, then extensions. */
  schemaUrisFor(rt: ResourceTypeId): readonly string[] {
    const def = this.requireResourceType(rt);
    return [def.schema, ...def.schemaExtensions.map((e) => e.schema)];
  }

  private findUnqualified(rt: ResourceTypeDef, attr: string): { schema: string; def: AttributeDef } | undefined {
    const common = findAttr(COMMON_ATTRIBUTES, attr);
    if (common) return { schema: COMMON_SCHEMA, def: common };
    for (const uri of [rt.schema, ...rt.schemaExtensions.map((e) => e.schema)]) {
      const schema = this.requireSchema(uri);
      const def = findAttr(schema.attributes, attr);
      if (def) return { schema: schema.id, def };
    }
    return undefined;
  }

  private findQualified(rt: ResourceTypeDef, uri: string, attr: string): { schema: string; def: AttributeDef } | undefined {
    const u = lower(uri);
    const allowed = [rt.schema, ...rt.schemaExtensions.map((e) => e.schema)].find((s) => lower(s) === u);
    if (allowed === undefined) return undefined;
    const schema = this.requireSchema(allowed);
    const def = findAttr(schema.attributes, attr);
    if (def) return { schema: schema.id, def };
    if (allowed === rt.schema) {
      const common = findAttr(COMMON_ATTRIBUTES, attr);
      if (common) return { schema: COMMON_SCHEMA, def: common };
    }
    return undefined;
  }

  private requireResourceType(rt: ResourceTypeId): ResourceTypeDef {
    const def = this.resourceTypes.get(rt);
    if (!def) throw new TypeError(`resource type ${rt} is not registered`);
    return def;
  }

  private requireSchema(id: string): SchemaDef {
    const s = this.schemas.get(lower(id));
    if (!s) throw new TypeError(`schema ${id} is not registered`);
    return s;
  }
}

/** User (with the optional Enterprise User extension) and Group. */
export function createDefaultRegistry(): SchemaRegistry {
  return new SchemaRegistry(
    [USER_SCHEMA_DEF, GROUP_SCHEMA_DEF, ENTERPRISE_USER_SCHEMA_DEF],
    [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE],
  );
}
