/**
 * Where cards go on a sheet of office paper: as many as fit, in a centred grid, with crop
 * marks for the guillotine, and the mirrored positions of the backs for duplex printing.
 * Pure geometry in millimetres in, points out.
 *
 * On A4 a CR80 landscape card fits 2 columns × 5 rows: 5 × 53.98 = 269.9 mm of 297 leaves
 * 27.1 mm for 4 gutters and 2 margins, so 5 mm margins (what most office printers cannot print
 * anyway) and ~4.3 mm gutters, wide enough for 3 mm crop marks. On Letter (279.4 mm) a fifth
 * row does not fit with any sensible gutter, so it takes 2 × 4.
 */
import { type Size, mmToPt } from './units.js';

/** The margin office printers cannot print into, on every edge. */
export const MIN_MARGIN_MM = 5;
/** Room between cards for crop marks and an imprecise cut. */
export const MIN_GUTTER_MM = 3;
/** Gutters grow up to this when there is room; more only wastes cutting effort. */
export const MAX_GUTTER_MM = 6;
/** Crop marks start this far from the card's corner (a mark touching the card would show). */
export const MARK_OFFSET_MM = 0.5;
export const MARK_LENGTH_MM = 3;
/** Hairline marks, 0.25 pt, as prepress tools draw them. */
export const MARK_WIDTH_PT = 0.25;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Line {
  readonly from: Point;
  readonly to: Point;
}

export interface SheetLayout {
  /** Paper size in points (portrait). */
  readonly paper: Size;
  /** Card size in points. */
  readonly card: Size;
  readonly columns: number;
  readonly rows: number;
  /** Bottom-left corner of each front, in points, row by row from the top-left. */
  readonly fronts: readonly Point[];
  /**
   * Bottom-left corner of the back of the card at the same index: mirrored left to right, so
   * that after a long-edge duplex flip each back lands behind its front.
   */
  readonly backs: readonly Point[];
  /** For each card, the crop marks at its corners, outside the cards, in points. */
  readonly cropMarks: readonly (readonly Line[])[];
}

interface Axis {
  readonly count: number;
  readonly gutter: number;
  readonly margin: number;
}

/** How many cards fit along one edge, and the gutter and margin that centre them. */
function axis(paper: number, card: number): Axis {
  const room = paper - 2 * MIN_MARGIN_MM;
  const count = Math.floor((room + MIN_GUTTER_MM) / (card + MIN_GUTTER_MM) + 1e-9);
  if (count < 1) throw new RangeError(`a ${card} mm card does not fit on ${paper} mm paper with ${MIN_MARGIN_MM} mm margins`);
  const gutter = count > 1 ? Math.min(MAX_GUTTER_MM, (room - count * card) / (count - 1)) : 0;
  return { count, gutter, margin: (paper - count * card - (count - 1) * gutter) / 2 };
}

/** Lays out cards of `cardMm` on portrait paper of `paperMm`. */
export function sheetLayout(paperMm: Size, cardMm: Size): SheetLayout {
  const across = axis(paperMm.width, cardMm.width);
  const down = axis(paperMm.height, cardMm.height);
  const frontsMm: Point[] = [];
  for (let row = 0; row < down.count; row++) {
    for (let col = 0; col < across.count; col++) {
      const left = across.margin + col * (cardMm.width + across.gutter);
      const top = down.margin + row * (cardMm.height + down.gutter);
      // PDF's origin is the bottom-left corner of the page.
      frontsMm.push({ x: left, y: paperMm.height - top - cardMm.height });
    }
  }
  const pt = (p: Point): Point => ({ x: mmToPt(p.x), y: mmToPt(p.y) });
  return {
    paper: { width: mmToPt(paperMm.width), height: mmToPt(paperMm.height) },
    card: { width: mmToPt(cardMm.width), height: mmToPt(cardMm.height) },
    columns: across.count,
    rows: down.count,
    fronts: frontsMm.map(pt),
    backs: frontsMm.map((p) => pt({ x: paperMm.width - p.x - cardMm.width, y: p.y })),
    cropMarks: frontsMm.map((p) => cornerMarks(p, cardMm, across, down).map((l) => ({ from: pt(l.from), to: pt(l.to) }))),
  };
}

/**
 * Eight marks per card, two at each corner, on the extension of the card's edges: a mark is
 * on the cut line itself, so cutting along it leaves nothing on the card. Each is short enough
 * to stop before the neighbouring card across the gutter.
 */
function cornerMarks(p: Point, card: Size, across: Axis, down: Axis): Line[] {
  const room = (gutter: number, count: number) => Math.min(MARK_LENGTH_MM, (count > 1 ? gutter : Infinity) - 2 * MARK_OFFSET_MM, MIN_MARGIN_MM - MARK_OFFSET_MM);
  const h = room(across.gutter, across.count);
  const v = room(down.gutter, down.count);
  const o = MARK_OFFSET_MM;
  const left = p.x;
  const right = p.x + card.width;
  const bottom = p.y;
  const top = p.y + card.height;
  const line = (x1: number, y1: number, x2: number, y2: number): Line => ({ from: { x: x1, y: y1 }, to: { x: x2, y: y2 } });
  return [
    line(left - o - h, top, left - o, top), line(left, top + o, left, top + o + v),
    line(right + o, top, right + o + h, top), line(right, top + o, right, top + o + v),
    line(left - o - h, bottom, left - o, bottom), line(left, bottom - o, left, bottom - o - v),
    line(right + o, bottom, right + o + h, bottom), line(right, bottom - o, right, bottom - o - v),
  ];
}
