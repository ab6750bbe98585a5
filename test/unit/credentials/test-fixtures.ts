/**
 * Fixtures for the credentials tests: images made in code (no binary files in the repo) and a
 * rasteriser to look at rendered PDFs pixel by pixel. Only *.test.ts files import this module:
 * it uses @hyzyla/pdfium, a devDependency (PDFium compiled to WebAssembly, MIT wrapper around
 * Google's BSD-licensed PDFium: no native build, no network at run time).
 */
import { crc32, deflateSync } from 'node:zlib';
import { PDFiumLibrary } from '@hyzyla/pdfium';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib';

export type Rgb = readonly [number, number, number];

/** A truecolour PNG (ISO/IEC 15948) whose pixel at (x, y) is `paint(x, y)`; y grows downwards. */
export function makePng(width: number, height: number, paint: (x: number, y: number) => Rgb): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      raw.set([r, g, b], row + 1 + x * 3);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter set, no interlace
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]));
}

/** A 60 × 80 baseline JPEG: top half #203060 (dark blue), bottom half #e08020 (orange). */
export const TWO_TONE_JPEG = new Uint8Array(Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/'
  + '2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCABQADwDAREAAhEBAxEB/8QA'
  + 'FgABAQEAAAAAAAAAAAAAAAAAAAgJ/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/EABcBAQEBAQAAAAAAAAAAAAAAAAAIBgf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA'
  + '/9oADAMBAAIRAxEAPwCLHSGfAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAaBoMVqAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/9k=',
  'base64',
));

/** A rendered page: RGBA pixels, and helpers that address them in points from the top-left. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  /** Pixels per point. */
  readonly scale: number;
  pixel(x: number, y: number): Rgb;
  /** The pixels of a region given in points from the page's top-left corner. */
  region(x: number, y: number, width: number, height: number): Rgb[];
}

let library: Promise<PDFiumLibrary> | undefined;

/** Renders one page of a PDF to pixels with PDFium (the renderer of Chrome). */
export async function rasterise(pdf: Uint8Array, pageIndex = 0, scale = 4): Promise<Raster> {
  library ??= PDFiumLibrary.init();
  const doc = await (await library).loadDocument(pdf);
  try {
    const page = doc.getPage(pageIndex);
    // Sized explicitly: PDFium's own scaling floors the page size to whole points first.
    const { originalWidth, originalHeight } = page.getOriginalSize();
    const bitmap = await page.render({ width: Math.round(originalWidth * scale), height: Math.round(originalHeight * scale), render: 'bitmap' });
    const { width, height } = bitmap;
    const sx = width / originalWidth;
    const sy = height / originalHeight;
    const data = bitmap.data;
    const pixel = (x: number, y: number): Rgb => {
      const i = (Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 4;
      return [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
    };
    return {
      width, height, scale, pixel,
      region(x, y, w, h) {
        const out: Rgb[] = [];
        for (let py = Math.round(y * sy); py < Math.round((y + h) * sy); py++) {
          for (let px = Math.round(x * sx); px < Math.round((x + w) * sx); px++) out.push(pixel(px, py));
        }
        return out;
      },
    };
  } finally {
    doc.destroy();
  }
}

/** Whether a pixel is within `tolerance` of a colour on every channel. */
export const near = (p: Rgb, c: Rgb, tolerance = 24): boolean => p.every((v, i) => Math.abs(v - (c[i] ?? 0)) <= tolerance);
export const isDark = (p: Rgb): boolean => p[0] + p[1] + p[2] < 200;
export const hex = (h: string): Rgb => [Number.parseInt(h.slice(1, 3), 16), Number.parseInt(h.slice(3, 5), 16), Number.parseInt(h.slice(5, 7), 16)];

/** An embedded font as a PDF reader sees it: its name, whether its program is in the file, and its Unicode map. */
export interface EmbeddedFont {
  readonly baseFont: string;
  readonly embedded: boolean;
  /** The code points the ToUnicode CMap maps to (what text extraction and search read). */
  readonly unicode: ReadonlySet<number>;
  /** Size of the embedded font program (FontFile2), compressed. */
  readonly programBytes: number;
}

/** Walks a PDF's objects for Type0 fonts (how pdf-lib embeds TrueType with Unicode). */
export async function embeddedFonts(pdf: Uint8Array): Promise<EmbeddedFont[]> {
  const doc = await PDFDocument.load(pdf);
  const ctx = doc.context;
  const fonts: EmbeddedFont[] = [];
  for (const [, obj] of ctx.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFDict) || obj.get(PDFName.of('Subtype')) !== PDFName.of('Type0')) continue;
    const baseFont = obj.lookup(PDFName.of('BaseFont'), PDFName).decodeText();
    const descendant = obj.lookup(PDFName.of('DescendantFonts'), PDFArray).lookup(0, PDFDict);
    const descriptor = descendant.lookup(PDFName.of('FontDescriptor'), PDFDict);
    const toUnicode = obj.lookup(PDFName.of('ToUnicode'));
    const cmap = toUnicode instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(toUnicode).decode()).toString('latin1') : '';
    // bfchar / bfrange targets: <XXXX> UTF-16BE hex after the source code.
    const unicode = new Set<number>();
    for (const m of cmap.matchAll(/<([0-9A-Fa-f]{4})>\s+<([0-9A-Fa-f]{4,8})>/g)) {
      const units = (m[2] ?? '').match(/.{4}/g)?.map((h) => Number.parseInt(h, 16)) ?? [];
      const cp = String.fromCharCode(...units).codePointAt(0);
      if (cp !== undefined) unicode.add(cp);
    }
    const program = descriptor.lookup(PDFName.of('FontFile2'));
    fonts.push({ baseFont, embedded: program instanceof PDFRawStream, unicode, programBytes: program instanceof PDFRawStream ? program.contents.length : 0 });
  }
  return fonts;
}

/** The decoded content streams of a page, concatenated (to see which operators and fonts it uses). */
export async function pageContent(pdf: Uint8Array, pageIndex = 0): Promise<string> {
  const doc = await PDFDocument.load(pdf);
  const contents = doc.getPage(pageIndex).node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
  return streams
    .map((s) => (s instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(s).decode()).toString('latin1') : ''))
    .join('\n');
}
