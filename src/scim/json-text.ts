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
