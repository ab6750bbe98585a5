/**
 * Barcodes as vector geometry. bwip-js (a port of Barcode Writer in Pure PostScript) encodes
 * the data; we take its raw module matrix (`raw()`) rather than a PNG (`toBuffer`) or its SVG
 * (`toSVG`) because:
 *  - a card printer prints at 300 dpi and a laser at 600-1200: a bitmap would be resampled and
 *    its module edges smeared, while rectangles on whole modules stay crisp at any resolution;
 *  - from modules we control the geometry exactly: square modules for QR and PDF417, bars
 *    stretched to the box for Code 128, and each symbology's quiet zone in module units;
 *  - the same rectangles draw into pdf-lib (card-pdf.ts) and into SVG (barcodeToSvg) for the
 *    editor's live preview, so preview and print cannot disagree.
 */
import bwipjs from 'bwip-js';

export const BARCODE_SYMBOLOGIES = ['qr', 'code128', 'pdf417'] as const;
export type BarcodeSymbology = (typeof BARCODE_SYMBOLOGIES)[number];

/** A dark rectangle in module units, from the symbol's top-left corner (y down). */
export interface Bar {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface BarcodeVector {
  readonly symbology: BarcodeSymbology;
  /** Symbol width and height in modules, without the quiet zone. Code 128 has height 1. */
  readonly columns: number;
  readonly rows: number;
  /** The light margin the symbology requires on every side, in modules. */
  readonly quietZone: number;
  /**
   * Linear symbols (Code 128) are stretched to the height of their box; matrix symbols (QR,
   * PDF417) keep square modules and are fitted inside it.
   */
  readonly linear: boolean;
  readonly bars: readonly Bar[];
}

export type EncodeResult = { readonly ok: true; readonly barcode: BarcodeVector } | { readonly ok: false; readonly message: string };

const BCID: Readonly<Record<BarcodeSymbology, string>> = { qr: 'qrcode', code128: 'code128', pdf417: 'pdf417' };

/**
 * Quiet zones from the symbology standards: QR 4 modules (ISO/IEC 18004:2015 §9.1), Code 128
 * 10 modules (ISO/IEC 15417:2007 §4.4.2), PDF417 2 modules (ISO/IEC 15438:2015 §5.8.3).
 */
const QUIET_ZONE: Readonly<Record<BarcodeSymbology, number>> = { qr: 4, code128: 10, pdf417: 2 };

/** Encodes data, or says in words why it cannot (too long, characters the symbology lacks). */
export function encodeBarcode(symbology: BarcodeSymbology, data: string): EncodeResult {
  if (data === '') return { ok: false, message: 'barcode data is empty' };
  if (symbology === 'code128') {
    // Code 128 carries ISO/IEC 8859-1 only (ISO/IEC 15417 §4.1, via FNC4); bwip-js would
    // otherwise encode the low byte of a wider character and the card would scan as garbage.
    const bad = [...data].find((c) => (c.codePointAt(0) ?? 0) > 0xff);
    if (bad !== undefined) return { ok: false, message: `code128 cannot encode "${bad}": use qr or pdf417 for text beyond Latin-1` };
  }
  try {
    // QR error correction M (15%) is bwip-js's and most generators' default: a good balance of
    // density and tolerance to card wear.
    const [symbol] = bwipjs.raw({ bcid: BCID[symbology], text: data, ...(symbology === 'qr' ? { eclevel: 'M' } : {}) } as bwipjs.RawOptions);
    if (!symbol) return { ok: false, message: `${symbology} produced no symbol` };
    if ('sbs' in symbol) return { ok: true, barcode: linear(symbology, symbol.sbs) };
    return { ok: true, barcode: matrix(symbology, symbol.pixs, symbol.pixx, symbol.pixy) };
  } catch (err) {
    // bwip-js errors read "bwipp.qrcodeNoValidSymbol#27236: Maximum length exceeded…".
    const detail = String((err as Error).message ?? err).replace(/^bwipp\.\w+#\d+:\s*/, '');
    return { ok: false, message: `${symbology} cannot encode this data: ${detail}` };
  }
}

/** Bars and spaces alternate in `sbs`, starting with a bar, as widths in modules. */
function linear(symbology: BarcodeSymbology, sbs: readonly number[]): BarcodeVector {
  const bars: Bar[] = [];
  let x = 0;
  sbs.forEach((w, i) => {
    if (i % 2 === 0 && w > 0) bars.push({ x, y: 0, width: w, height: 1 });
    x += w;
  });
  return { symbology, columns: x, rows: 1, quietZone: QUIET_ZONE[symbology], linear: true, bars };
}

/** A row-major grid of dark (1) and light (0) modules; runs on a row merge into one bar. */
function matrix(symbology: BarcodeSymbology, pixs: readonly number[], columns: number, rows: number): BarcodeVector {
  const bars: Bar[] = [];
  for (let y = 0; y < rows; y++) {
    let start = -1;
    for (let x = 0; x <= columns; x++) {
      const dark = x < columns && pixs[y * columns + x] === 1;
      if (dark && start < 0) start = x;
      if (!dark && start >= 0) {
        bars.push({ x: start, y, width: x - start, height: 1 });
        start = -1;
      }
    }
  }
  return { symbology, columns, rows, quietZone: QUIET_ZONE[symbology], linear: false, bars };
}

/** Where the symbol goes inside a box (any unit), its quiet zone kept inside the box too. */
export interface BarcodePlacement {
  readonly x: number;
  readonly y: number;
  /** Size of one module across and down, in the box's unit. */
  readonly moduleWidth: number;
  readonly moduleHeight: number;
}

/**
 * Fits a symbol and its quiet zone into a box: matrix symbols keep square modules and are
 * centred; a linear symbol fills the width and its bars take the whole height (a Code 128
 * quiet zone is only needed left and right).
 */
export function placeBarcode(barcode: BarcodeVector, box: { readonly width: number; readonly height: number }): BarcodePlacement {
  const q = barcode.quietZone;
  const across = box.width / (barcode.columns + 2 * q);
  if (barcode.linear) return { x: q * across, y: 0, moduleWidth: across, moduleHeight: box.height };
  const module = Math.min(across, box.height / (barcode.rows + 2 * q));
  return {
    x: (box.width - barcode.columns * module) / 2,
    y: (box.height - barcode.rows * module) / 2,
    moduleWidth: module,
    moduleHeight: module,
  };
}

/** An SVG of the symbol in a width × height box (any unit), for the editor's preview. */
export function barcodeToSvg(barcode: BarcodeVector, box: { readonly width: number; readonly height: number }, color = '#000000', background: string | null = '#ffffff'): string {
  const p = placeBarcode(barcode, box);
  const n = (v: number) => Number(v.toFixed(4));
  const path = barcode.bars
    .map((b) => `M${n(p.x + b.x * p.moduleWidth)} ${n(p.y + b.y * p.moduleHeight)}h${n(b.width * p.moduleWidth)}v${n(b.height * p.moduleHeight)}h${n(-b.width * p.moduleWidth)}z`)
    .join('');
  const bg = background ? `<rect width="${n(box.width)}" height="${n(box.height)}" fill="${background}"/>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(box.width)} ${n(box.height)}" shape-rendering="crispEdges">${bg}<path d="${path}" fill="${color}"/></svg>`;
}
