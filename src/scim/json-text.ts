/**
 * JSON text that goes into an answer as it is, in place of a value: what `JSON.rawJSON` does in
 * engines newer than Node 20's. A person on a page is spliced from their stored text this way
 * (ScimService.render) instead of being parsed and written out again (issue 16).
 *
 * Whatever serialises a JsonText with plain `JSON.stringify` still gets the right value: toJSON
 * gives the parsed value back (slower, never wrong). jsonOf writes the text itself.
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The JSON text of `v`; a JsonText is its own text. */
export const jsonOf = (v: unknown): string => (v instanceof JsonText ? v.text : JSON.stringify(v));

const RESOURCES_LAST = '"Resources":0}';

/**
 * A ListResponse's envelope (RFC 7644 §3.4.2) as JSON.stringify writes it, cut where its
 * `Resources` go: `head` ends with the `[` that opens them and `tail` starts with the `]` that
 * closes them, so that the resources can be written between, one at a time. `Resources` is
 * written as the envelope's last member, where Muster always puts it; an envelope that has it
 * elsewhere is written with it moved last (JSON gives the order of members no meaning, RFC 8259 §4).
 * Whatever the envelope's strings hold, the cut is found: only the top-level member can be
 * followed by the envelope's closing brace.
 */
export function listEnvelope(body: Readonly<Record<string, unknown>>): { readonly head: string; readonly tail: string } {
  let text = JSON.stringify({ ...body, Resources: 0 });
  if (!text.endsWith(RESOURCES_LAST)) {
    const { Resources: _moved, ...rest } = body;
    text = JSON.stringify({ ...rest, Resources: 0 });
    // Only an envelope that is not plain data (a toJSON of its own) gets here: never cut it blind.
    if (!text.endsWith(RESOURCES_LAST)) throw new Error('a ListResponse envelope that is not plain JSON data');
  }
  const at = text.length - 2; // the 0
  return { head: `${text.slice(0, at)}[`, tail: `]${text.slice(at + 1)}` };
}
