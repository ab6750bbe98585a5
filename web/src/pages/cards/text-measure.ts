/**
 * Text widths for the live preview, measured with a canvas in the same font stack the SVG draws
 * with, so wrapping and shrinking follow what the reader sees; 0.6 em a glyph without a canvas.
 */
const FONT = '"DejaVu Sans", Verdana, sans-serif';
let ctx: CanvasRenderingContext2D | null | undefined;

export function textWidthMm(text: string, sizeMm: number, bold: boolean): number {
  ctx ??= typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!ctx) return text.length * sizeMm * 0.6;
  ctx.font = `${bold ? 700 : 400} 100px ${FONT}`;
  return (ctx.measureText(text).width / 100) * sizeMm;
}
