/**
 * Units of card design and print. Templates are drawn in millimetres (what a designer measures
 * on a card and what ISO/IEC 7810 specifies), type in points (what every design tool uses for
 * font size), and PDF user space is points (1/72 inch, ISO 32000-1 §8.3.2.3).
 */

/** Points per millimetre: 72 pt per inch, 25.4 mm per inch. */
export const PT_PER_MM = 72 / 25.4;

export const mmToPt = (mm: number): number => mm * PT_PER_MM;
export const ptToMm = (pt: number): number => pt / PT_PER_MM;

/** A width and height, in the unit the name of the value says. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * ISO/IEC 7810 ID-1, the "CR80" card of every card printer: 85.60 mm × 53.98 mm (landscape).
 * In points that is 242.65 × 153.01.
 */
export const CR80_MM: Size = Object.freeze({ width: 85.6, height: 53.98 });

/** Paper sizes for sheet printing, portrait, in millimetres (ISO 216 A4; ANSI Letter is 8.5 × 11 in). */
export const PAPER_MM = Object.freeze({
  a4: Object.freeze({ width: 210, height: 297 }),
  letter: Object.freeze({ width: 215.9, height: 279.4 }),
} satisfies Record<string, Size>);

/** `card`: one CR80 page per side, for card printers; `a4` / `letter`: sheets with crop marks. */
export const PRINT_LAYOUTS = ['card', 'a4', 'letter'] as const;
export type PrintLayout = (typeof PRINT_LAYOUTS)[number];
