/**
 * Fits a text element's text into its box: wraps words onto at most maxLines lines, shrinks
 * the font in half-point steps down to minFontSize until everything fits, and only then cuts
 * the last line with "…". A long name (Zoë O'Brien-Ångström, Nguyễn Thị Minh Khai) thus
 * prints smaller rather than cut, which is what card issuers expect.
 * Pure: the caller passes the font's measure, so the editor can reuse this with canvas metrics.
 */

/** Baseline-to-baseline distance as a multiple of the font size. */
export const LINE_HEIGHT = 1.2;
const STEP = 0.5;
const ELLIPSIS = '…';

export interface TextBox {
  /** Points. */
  readonly width: number;
  readonly height: number;
  readonly fontSize: number;
  readonly minFontSize: number;
  readonly maxLines: number;
  /** Width in points of `text` set at `size` points. */
  readonly measure: (text: string, size: number) => number;
}

export interface TextLayout {
  readonly fontSize: number;
  readonly lines: readonly string[];
  /** Whether text had to be cut with an ellipsis (it did not fit even at minFontSize). */
  readonly truncated: boolean;
}

/** Height of a block of n lines: the first line's size plus n - 1 line advances. */
export const blockHeight = (lines: number, size: number): number => (lines === 0 ? 0 : size + (lines - 1) * size * LINE_HEIGHT);

export function layoutText(text: string, box: TextBox): TextLayout {
  const clean = text.replace(/[ \t]+/g, ' ').trim();
  if (clean === '') return { fontSize: box.fontSize, lines: [], truncated: false };
  for (let size = box.fontSize; size >= box.minFontSize - 1e-9; size -= STEP) {
    const lines = wrap(clean, box.width, size, box.measure);
    if (lines.length <= box.maxLines && blockHeight(lines.length, size) <= box.height + 1e-6) return { fontSize: size, lines, truncated: false };
  }
  const size = box.minFontSize;
  let room = box.maxLines;
  while (room > 1 && blockHeight(room, size) > box.height + 1e-6) room--;
  const lines = wrap(clean, box.width, size, box.measure);
  const kept = lines.slice(0, room);
  // Everything is there but the box is shorter than one line: print it rather than cut nothing.
  if (lines.length <= room) return { fontSize: size, lines: kept, truncated: false };
  kept[kept.length - 1] = ellipsize(kept[kept.length - 1] ?? '', box.width, size, box.measure);
  return { fontSize: size, lines: kept, truncated: true };
}

/** Greedy word wrap; explicit newlines are kept; a word wider than the box breaks between characters. */
export function wrap(text: string, width: number, size: number, measure: TextBox['measure']): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(' ').filter((w) => w !== '')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (measure(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      line = '';
      for (const piece of breakWord(word, width, size, measure)) {
        if (line !== '') lines.push(line);
        line = piece;
      }
    }
    lines.push(line);
  }
  return lines.filter((l, i) => l !== '' || i < lines.length - 1);
}

/** Splits on grapheme clusters, so "ễ" (e + two combining marks, when decomposed) stays whole. */
function graphemes(text: string): string[] {
  return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment);
}

function breakWord(word: string, width: number, size: number, measure: TextBox['measure']): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const g of graphemes(word)) {
    if (piece !== '' && measure(piece + g, size) > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += g;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/** The line, shortened until it and "…" fit: the mark that more text was cut. */
function ellipsize(line: string, width: number, size: number, measure: TextBox['measure']): string {
  const chars = graphemes(line);
  while (chars.length > 0 && measure(chars.join('').trimEnd() + ELLIPSIS, size) > width) chars.pop();
  return chars.join('').trimEnd() + ELLIPSIS;
}
