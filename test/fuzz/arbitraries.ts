/**
 * Generators for the fuzz suite (issue 12): prototype keys as keys, path segments, URN prefixes and
 * schema URNs; nesting thousands of levels deep, built as text so that neither the generator nor
 * JSON.stringify recurses; lone surrogates and NUL in keys and values; huge arrays; numbers,
 * booleans and objects where strings belong; and valid-looking bodies with one field mutated, so
 * that many requests succeed and "a refused request changes nothing" is tested on real changes.
 *
 * Bodies are JNode trees (an object is a list of entries, so "__proto__" is an ordinary key) and
 * are serialised by `toJson`; a `raw` node is JSON text put in as it is.
 */
import fc from 'fast-check';

export type JNode =
  | { k: 'obj'; entries: [string, JNode][] }
  | { k: 'arr'; items: JNode[] }
  | { k: 'raw'; text: string; [fc.toStringMethod]?: () => string }
  | { k: 'val'; v: string | number | boolean | null };

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const CUSTOM = 'urn:ietf:params:scim:schemas:extension:Fuzz:2.0:User';

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const URNS = [USER, GROUP, ENTERPRISE, PATCH_OP, SEARCH, BULK, CUSTOM, 'urn:scim:schemas:core:2.0', 'urn:scim:schemas:extension:enterprise:2.0'];
const ATTRS = ['userName', 'name', 'givenName', 'familyName', 'emails', 'value', 'type', 'primary', 'active', 'displayName', 'members', 'externalId', 'id', 'meta', 'title', 'phoneNumbers', 'manager', 'department', 'employeeNumber', 'schemas', 'Operations', 'op', 'path'];

// ------------------------------------------------------------------------------ serialising

const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A plain value as a JNode (bases are small, fixed shapes, so recursion is bounded). */
export function node(x: unknown): JNode {
  if (Array.isArray(x)) return { k: 'arr', items: x.map(node) };
  if (isPlain(x)) return { k: 'obj', entries: Object.keys(x).map((key) => [key, node(x[key])]) };
  if (x === undefined) return { k: 'val', v: null };
  return { k: 'val', v: x as string | number | boolean | null };
}

/** JSON text of a JNode; raw nodes are put in as they are. The tree itself is shallow (generators bound it). */
export function toJson(n: JNode): string {
  switch (n.k) {
    case 'raw': return n.text;
    case 'val': return JSON.stringify(n.v);
    case 'arr': return `[${n.items.map(toJson).join(',')}]`;
    case 'obj': return `{${n.entries.map(([key, v]) => `${JSON.stringify(key)}:${toJson(v)}`).join(',')}}`;
  }
}

// ------------------------------------------------------------------------------ strings

const SPECIAL_STRINGS = [
  ...PROTO_KEYS, '__proto__:detail', 'constructor.prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__',
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'eve\udfff@example.com', '\ud83d', 'x\ud800\ud800y', '\udbff\udfff',
  'e\u0301ve@example.com', '\u00e8ve@example.com', '\ufeff', '\u2028', '\u202e', '=cmd|" /C calc"!A0', '"', '\\', '%00', '../..', 'null', 'true', '1e400', '-0',
];

/** Where a string is wanted, anything a client can put in one. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff', '\ud800\u0000', '\udc00\ud800'), fc.string({ maxLength: 6 })).map(([a, b, c]) => a + b + c) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);

/** A key: prototype keys often, attribute names and URNs (with prototype keys after them), or any string. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...ATTRS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...URNS), fc.constantFrom('', ':__proto__', ':constructor', ':prototype', ':__proto__.x')).map(([u, s]) => u + s) },
  { weight: 1, arbitrary: fc.constantFrom('urn:__proto__:x', 'urn:ietf:params:scim:schemas:extension:__proto__:2.0:User', '__proto__:detail', 'constructor.prototype.x') },
  { weight: 3, arbitrary: nastyString },
);

// ------------------------------------------------------------------------------ values

/** JSON text put in as it is; `label` is how a counterexample shows it (a 5,000-deep body is not worth printing). */
const raw = (text: string, label?: string): JNode => ({ k: 'raw', text, ...(label ? { [fc.toStringMethod]: () => `raw(${label})` } : {}) });

/** Nesting `depth` levels deep, as text: arrays, objects, objects keyed by prototype keys, or SCIM-shaped. */
export const deepNode: fc.Arbitrary<JNode> = fc.record({
  depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 500, max: 6_000 })),
  shape: fc.constantFrom('arr', 'obj', 'proto', 'constructor', 'value'),
}).map(({ depth, shape }) => {
  const [open, close] = {
    arr: ['[', ']'], obj: ['{"a":', '}'], proto: ['{"__proto__":', '}'], constructor: ['{"constructor":{"prototype":', '}}'], value: ['{"value":[', ']}'],
  }[shape] as [string, string];
  return raw(open.repeat(depth) + '"deep"' + close.repeat(depth), `${shape} nested ${depth} deep`);
});

/** Arrays far longer than any IdP sends: strings, e-mail-shaped objects, members, PATCH operations. */
export const hugeArray: fc.Arbitrary<JNode> = fc.record({
  n: fc.integer({ min: 1_000, max: 12_000 }),
  item: fc.constantFrom('str', 'email', 'member', 'op', 'proto'),
}).map(({ n, item }) => {
  const one = (i: number) => ({
    str: `"s${i}"`, email: `{"value":"e${i}@example.com","type":"work"}`, member: `{"value":"m${i}"}`,
    op: `{"op":"add","path":"emails","value":[{"value":"p${i}@example.com"}]}`, proto: `{"__proto__":{"p${i}":1}}`,
  }[item]);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(one(i));
  return raw(`[${parts.join(',')}]`, `array of ${n} ${item}`);
});

const scalar: fc.Arbitrary<JNode> = fc.oneof(
  { weight: 4, arbitrary: nastyString.map((v) => node(v)) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((v) => node(v)) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null).map((v) => node(v)) },
  { weight: 1, arbitrary: fc.constantFrom('1e400', '-0', '123456789012345678901234567890', '-1e-400', '0.1e-7').map(raw) },
);

/** An object whose keys are hostile (`{"__proto__": {...}}` and friends), one or two levels. */
export const hostileObject: fc.Arbitrary<JNode> = fc.array(
  fc.tuple(nastyKey, fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(fc.tuple(nastyKey, scalar), { maxLength: 3 }).map((entries): JNode => ({ k: 'obj', entries })) })),
  { minLength: 1, maxLength: 4 },
).map((entries): JNode => ({ k: 'obj', entries }));

/** Anything where a value is wanted. */
export const nastyValue: fc.Arbitrary<JNode> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 3, arbitrary: hostileObject },
  { weight: 2, arbitrary: fc.array(fc.oneof(scalar, hostileObject), { maxLength: 4 }).map((items): JNode => ({ k: 'arr', items })) },
  { weight: 1, arbitrary: deepNode },
  { weight: 1, arbitrary: hugeArray },
);

// ------------------------------------------------------------------------------ one field mutated

export type Mutation =
  | { kind: 'none' }
  | { kind: 'set'; at: number; value: JNode }
  | { kind: 'add'; at: number; key: string; value: JNode }
  | { kind: 'delete'; at: number }
  | { kind: 'rename'; at: number; key: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: nastyValue }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: nastyKey, value: nastyValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), key: nastyKey }) },
);

/** A copy to mutate; raw nodes are never changed, so they are shared. */
function clone(n: JNode): JNode {
  if (n.k === 'obj') return { k: 'obj', entries: n.entries.map(([key, v]) => [key, clone(v)]) };
  if (n.k === 'arr') return { k: 'arr', items: n.items.map(clone) };
  return n;
}

/** The body with one mutation applied at the `at`-th node (in a breadth-first walk, which does not recurse). */
export function mutate(base: JNode, m: Mutation): JNode {
  if (m.kind === 'none') return base;
  const root = clone(base);
  // Every node with its parent and place; the root has none.
  const places: { n: JNode; parent?: JNode; index?: number }[] = [{ n: root }];
  for (let i = 0; i < places.length; i++) {
    const { n } = places[i]!;
    if (n.k === 'obj') n.entries.forEach(([, v], index) => places.push({ n: v, parent: n, index }));
    if (n.k === 'arr') n.items.forEach((v, index) => places.push({ n: v, parent: n, index }));
  }
  const place = places[m.at % places.length]!;
  const { parent, index } = place;
  switch (m.kind) {
    case 'set':
      if (!parent) return m.value;
      if (parent.k === 'obj') parent.entries[index!]![1] = m.value;
      if (parent.k === 'arr') parent.items[index!] = m.value;
      return root;
    case 'add': {
      const target = place.n.k === 'obj' ? place.n : parent?.k === 'obj' ? parent : root.k === 'obj' ? root : undefined;
      if (target?.k === 'obj') target.entries.push([m.key, m.value]);
      else if (place.n.k === 'arr') place.n.items.push(m.value);
      return root;
    }
    case 'delete':
      if (parent?.k === 'obj') parent.entries.splice(index!, 1);
      if (parent?.k === 'arr') parent.items.splice(index!, 1);
      return root;
    case 'rename':
      if (parent?.k === 'obj') parent.entries[index!]![0] = m.key;
      return root;
  }
}

// ------------------------------------------------------------------------------ names

/** A fresh-looking name, so that valid bodies do not collide with the ones before them. */
export const handle: fc.Arbitrary<string> = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 10, maxLength: 10 });

export function userBody(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER, ENTERPRISE], userName: `${name}@example.com`, externalId: `ext-${name}`,
    name: { givenName: 'Ada', familyName: 'Lovelace' }, title: 'Engineer', active: true,
    emails: [{ value: `${name}@work.example`, type: 'work', primary: true }], phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
    [ENTERPRISE]: { employeeNumber: `E-${name}`, department: 'Ops' },
    ...extra,
  };
}

export function groupBody(name: string, members: string[]): Record<string, unknown> {
  return { schemas: [GROUP], displayName: `Group ${name}`, externalId: `g-${name}`, members: members.map((value) => ({ value })) };
}

// ------------------------------------------------------------------------------ SCIM paths and filters

const segment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 3, arbitrary: fc.constantFrom('name', 'givenName', 'emails', 'value', 'type', 'members', 'active', 'title', 'manager', 'department', 'x', 'polluted') },
  { weight: 1, arbitrary: nastyString },
);

/** PATCH paths (RFC 7644 §3.5.2 attrPath [valuePath] [.subAttr]) built from hostile parts, and the classic attacks. */
export const patchPath: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    '__proto__:detail', '__proto__.x', 'constructor.prototype.x', 'constructor:prototype.x', `${ENTERPRISE}:__proto__`, `${ENTERPRISE}:__proto__.polluted`,
    `${ENTERPRISE}:constructor.prototype.polluted`, 'name.__proto__.polluted', 'name.constructor.prototype.polluted', 'emails[type eq "work"].__proto__', 'emails[__proto__ eq "x"].value',
    'prototype', 'members[value eq "__proto__"]', 'urn:__proto__:x', 'urn:ietf:params:scim:schemas:extension:__proto__:2.0:User:x', `${CUSTOM}:__proto__`, `${CUSTOM}:tag`,
  ) },
  { weight: 3, arbitrary: fc.tuple(fc.option(fc.constantFrom(...URNS, '__proto__', 'constructor', 'urn:x')), fc.array(segment, { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom('[type eq "work"]', '[value eq "x"]', '[__proto__ pr]', '[', ']'))).map(([urn, segs, filter]) => {
    const [first, ...rest] = segs;
    return `${urn ? `${urn}:` : ''}${first}${filter ?? ''}${rest.length ? `.${rest.join('.')}` : ''}`;
  }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `${'a.'.repeat(n)}b`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n) => `emails[${'('.repeat(n)}type eq "work"${')'.repeat(n)}].value`) },
  { weight: 1, arbitrary: nastyString },
);

const filterAttr: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('userName', 'emails.value', 'emails[type eq "work"].value', 'name.givenName', `${ENTERPRISE}:department`, `${ENTERPRISE}:employeeNumber`, 'meta.lastModified', 'meta.created', 'displayName', 'members.value', 'externalId', 'id', 'active', 'title') },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, `${ENTERPRISE}:__proto__`, 'name.__proto__', 'emails[__proto__ eq "x"].value', '__proto__:x', 'constructor.prototype') },
  { weight: 1, arbitrary: nastyString },
);
const filterValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: nastyString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: nastyString.map((s) => `"${s}"`) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '1', '-1.5', '1e400', '"2024-01-01T00:00:00Z"', '"unterminated', '[]', '{}') },
);
const comparison: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(filterAttr, fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Sw', 'xx'), filterValue).map(([a, o, v]) => `${a} ${o} ${v}`) },
  { weight: 1, arbitrary: filterAttr.map((a) => `${a} pr`) },
);

/** SCIM filters (RFC 7644 §3.4.2.2): combinations, nesting thousands deep (as text), and or-chains of thousands of terms. */
export const filter: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.array(comparison, { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom(' and ', ' or ', ' AND '), { minLength: 3, maxLength: 3 }), fc.boolean())
    .map(([cs, joins, not]) => { const body = cs.map((c, i) => (i ? joins[i % 3] : '') + c).join(''); return not ? `not (${body})` : body; }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 6_000 }), fc.constantFrom('(', 'not (')).map(([d, open]) => `${open.repeat(d)}userName eq "x"${')'.repeat(d)}`) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 6_000 }), fc.constantFrom('userName', 'emails.value', 'members.value')).map(([n, a]) => Array.from({ length: n }, (_, i) => `${a} eq "v${i}"`).join(' or ')) },
  { weight: 1, arbitrary: nastyString },
);

/** attributes / excludedAttributes (RFC 7644 §3.4.2.5). */
export const attributeList: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(filterAttr, fc.constantFrom('emails', 'name', 'members', 'schemas', 'meta', `${ENTERPRISE}`, `${ENTERPRISE}:manager.value`)), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 5_000 }).map((n) => Array.from({ length: n }, (_, i) => `a${i}`)) },
);

/** Percent-encoding that also sends what encodeURIComponent refuses: lone surrogates as their WTF-8 bytes. */
export function encodeQuery(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (/[A-Za-z0-9\-_.~]/.test(s[i]!)) { out += s[i]; continue; }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
    }
    const bytes = cp < 0x80 ? [cp] : cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
      : cp < 0x10000 ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
        : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}
