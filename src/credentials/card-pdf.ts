/**
 * Draws one person's card onto pdf-lib pages. A CardPainter belongs to one PDF document: it
 * embeds the fonts once (subset to the glyphs used, so a 1,000-card batch carries one small
 * font, not 1,000 copies) and each template image once, then paints any number of card sides
 * at any position, which is what both the single-card preview and the print sheets need.
 */
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import fontkit from '@pdf-lib/fontkit';
import {
  type PDFFont, type PDFPage, type PDFRef, PDFDocument, PDFImage, PngEmbedder, clip, endPath, fill, popGraphicsState, pushGraphicsState,
  rectangle, rgb, setFillingRgbColor,
} from 'pdf-lib';
import sharp from 'sharp';
import { MAX_IMAGE_PIXELS, imageSizeProblem } from './image-size.js';
import {
  type BarcodeElement, type CardElement, type CardTemplate, type Colour, type EllipseElement, type ImageElement,
  type PhotoElement, type RectElement, type SideName, type TextElement, SIDES, cardSizeMm, imageFormat,
} from './card-template.js';
import { type BarcodeVector, encodeBarcode, placeBarcode } from './barcode.js';
import { loadCardFonts } from './card-fonts.js';
import { fillTemplate } from './field-template.js';
import { LINE_HEIGHT, blockHeight, layoutText } from './text-layout.js';
import { type Size, mmToPt } from './units.js';

/** Who is on the card: roster field values by key, the approved photo, and per-person variables. */
export interface CardPerson {
  readonly fields: Readonly<Record<string, unknown>>;
  /** JPEG or PNG bytes. */
  readonly photo?: Uint8Array;
  /** The credential's verification URL, for `{verifyUrl}`. */
  readonly verifyUrl?: string;
}

export const CARD_RENDER_ERRORS = ['photo_unreadable', 'image_unreadable', 'barcode_empty', 'barcode_unencodable'] as const;
export type CardRenderErrorCode = (typeof CARD_RENDER_ERRORS)[number];

/**
 * A card that cannot be printed correctly for this person (a bound barcode field is empty, the
 * data does not fit the symbology, the photo is not an image). Batches report it against the
 * person and go on with the others; printing a card with a hole in it would be worse.
 */
export class CardRenderError extends Error {
  constructor(readonly code: CardRenderErrorCode, message: string) {
    super(message);
    this.name = 'CardRenderError';
  }
}

/** The card's size in points as drawn (portrait swaps width and height). */
export function cardSizePt(template: Pick<CardTemplate, 'orientation'>): Size {
  const mm = cardSizeMm(template);
  return { width: mmToPt(mm.width), height: mmToPt(mm.height) };
}

/** A person's card, checked and ready to draw (CardPainter.prepare). */
export interface PreparedCard {
  readonly template: CardTemplate;
  readonly values: Readonly<Record<string, unknown>>;
  readonly photo?: PDFImage;
  readonly barcodes: ReadonlyMap<BarcodeElement, BarcodeVector>;
}

interface Fonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
}

/** A box in PDF space: points, origin bottom-left, y up. */
interface PdfBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export class CardPainter {
  private readonly images = new WeakMap<ImageElement, PDFImage>();
  private readonly photos = new WeakMap<Uint8Array, PDFImage>();

  private constructor(
    readonly doc: PDFDocument,
    private readonly fonts: Fonts,
  ) {}

  /** Prepares a document for cards: registers fontkit and embeds DejaVu Sans (subset). */
  static async create(doc: PDFDocument): Promise<CardPainter> {
    doc.registerFontkit(fontkit);
    const files = await loadCardFonts();
    const [regular, bold] = await Promise.all([doc.embedFont(files.regular, { subset: true }), doc.embedFont(files.bold, { subset: true })]);
    return new CardPainter(doc, { regular, bold });
  }

  /**
   * Everything about a person's card that can fail, done before anything is drawn: bound
   * barcode data encoded, the photo embedded. A person either gets a whole card or a
   * CardRenderError, never a front without its back.
   */
  async prepare(template: CardTemplate, person: CardPerson, sides: readonly SideName[] = SIDES): Promise<PreparedCard> {
    const values: Readonly<Record<string, unknown>> = { ...person.fields, verifyUrl: person.verifyUrl };
    const elements = sides.flatMap((side) => template[side].elements);
    const barcodes = new Map(elements.filter((e): e is BarcodeElement => e.type === 'barcode').map((e) => [e, encode(e, values)] as const));
    const photo = person.photo && elements.some((e) => e.type === 'photo') ? await this.embedPhoto(person.photo) : undefined;
    return { template, values, barcodes, ...(photo ? { photo } : {}) };
  }

  /** Paints one side with the card's bottom-left corner at (x, y) points; clipped to the card. */
  async drawSide(page: PDFPage, card: PreparedCard, side: SideName, at: { readonly x: number; readonly y: number }): Promise<void> {
    const size = cardSizePt(card.template);
    page.pushOperators(pushGraphicsState(), rectangle(at.x, at.y, size.width, size.height), clip(), endPath());
    page.drawRectangle({ x: at.x, y: at.y, width: size.width, height: size.height, color: colour(card.template[side].background) });
    for (const element of card.template[side].elements) {
      const box: PdfBox = {
        x: at.x + mmToPt(element.x),
        y: at.y + size.height - mmToPt(element.y + element.height),
        width: mmToPt(element.width),
        height: mmToPt(element.height),
      };
      await this.drawElement(page, element, box, card);
    }
    page.pushOperators(popGraphicsState());
  }

  private async drawElement(page: PDFPage, element: CardElement, box: PdfBox, card: PreparedCard): Promise<void> {
    switch (element.type) {
      case 'text': return this.drawText(page, element, box, fillTemplate(element.text, card.values));
      case 'photo': return drawPhoto(page, element, box, card.photo);
      case 'image': return drawImage(page, box, await this.embedImage(element), element.fit);
      case 'rect': return drawRect(page, element, box);
      case 'ellipse': return drawEllipse(page, element, box);
      case 'barcode': {
        const barcode = card.barcodes.get(element);
        if (barcode) drawBarcode(page, element, box, barcode);
        return;
      }
    }
  }

  private drawText(page: PDFPage, element: TextElement, box: PdfBox, text: string): void {
    const font = element.fontWeight === 'bold' ? this.fonts.bold : this.fonts.regular;
    const layout = layoutText(text, {
      width: box.width, height: box.height, fontSize: element.fontSize, minFontSize: element.minFontSize, maxLines: element.maxLines,
      measure: (s, size) => font.widthOfTextAtSize(s, size),
    });
    const size = layout.fontSize;
    const block = blockHeight(layout.lines.length, size);
    const top = element.verticalAlign === 'top' ? box.y + box.height
      : element.verticalAlign === 'bottom' ? box.y + block
      : box.y + (box.height + block) / 2;
    // The first baseline sits the font's ascent (as a share of its em box) below the top.
    const ascent = font.heightAtSize(size, { descender: false }) / font.heightAtSize(size);
    layout.lines.forEach((line, i) => {
      const width = font.widthOfTextAtSize(line, size);
      const x = element.align === 'left' ? box.x : element.align === 'right' ? box.x + box.width - width : box.x + (box.width - width) / 2;
      page.drawText(line, { x, y: top - ascent * size - i * size * LINE_HEIGHT, size, font, color: colour(element.color) });
    });
  }

  private async embedPhoto(bytes: Uint8Array): Promise<PDFImage> {
    try {
      // Cached by the bytes' identity: a photo on both sides is embedded once.
      let image = this.photos.get(bytes);
      if (!image) {
        image = await embed(this.doc, bytes);
        this.photos.set(bytes, image);
      }
      return image;
    } catch (err) {
      throw new CardRenderError('photo_unreadable', `the photo could not be read as a JPEG or PNG image: ${(err as Error).message}`);
    }
  }

  private async embedImage(element: ImageElement): Promise<PDFImage> {
    let image = this.images.get(element);
    if (!image) {
      try {
        // Never more pixels than the element's box holds at 600 dpi: the finest card printers print.
        const px = (mm: number) => Math.max(1, Math.ceil((mm / 25.4) * 600));
        image = await embed(this.doc, Buffer.from(element.data, 'base64'), { width: px(element.width), height: px(element.height) });
      } catch (err) {
        // A template saved before its images were checked, or a file that fails mid-decode.
        throw new CardRenderError('image_unreadable', `image "${element.id}" cannot be used: ${(err as Error).message}`);
      }
      this.images.set(element, image);
    }
    return image;
  }
}

/**
 * Refuses a template whose artwork is too large by the sizes the files declare, before any
 * document or font work: templates saved before images were checked still exist.
 */
export function checkImageSizes(template: CardTemplate): void {
  for (const side of SIDES) {
    for (const element of template[side].elements) {
      if (element.type !== 'image') continue;
      const problem = imageSizeProblem(Buffer.from(element.data, 'base64'));
      if (problem) throw new CardRenderError('image_unreadable', `image "${element.id}" cannot be used: the image ${problem}`);
    }
  }
}

/**
 * Embeds a JPEG or PNG without decoding it on the event loop. pdf-lib embeds a JPEG as it is
 * (it reads only the frame header), but decodes a PNG and deflates its pixels synchronously, in
 * JavaScript: about a second for a card-sized PNG, 19 s for a PNG declaring 8000 × 8000 (issue
 * 12). So the declared size is checked first, then a PNG is decoded (and scaled to `fit`) by
 * sharp in libuv's thread pool, its pixels compressed by node:zlib there too, and the result
 * written as an image XObject (ISO 32000-1 §8.9.5, with an SMask for transparency, §11.6.5.3).
 */
async function embed(doc: PDFDocument, bytes: Uint8Array, fit?: { width: number; height: number }): Promise<PDFImage> {
  const tooLarge = imageSizeProblem(bytes);
  if (tooLarge) throw new Error(`the image ${tooLarge}`);
  const format = imageFormat(bytes);
  if (format === 'jpeg') return doc.embedJpg(bytes);
  if (format !== 'png') throw new Error('neither PNG nor JPEG');
  let img = sharp(bytes, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS }).toColourspace('srgb');
  if (fit) img = img.resize({ ...fit, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const alpha = channels === 2 || channels === 4;
  const colours = alpha ? channels - 1 : channels;
  // Separate colour and alpha planes, again in sharp's pool rather than in a loop here.
  const raw = { raw: { width, height, channels } } as const;
  const [colour, mask] = await Promise.all([
    alpha ? sharp(data, raw).removeAlpha().raw().toBuffer() : Promise.resolve(data),
    alpha ? sharp(data, raw).extractChannel((channels - 1) as 1 | 3).raw().toBuffer() : Promise.resolve(undefined),
  ]);
  const zip = promisify(deflate);
  const [colourZ, maskZ] = await Promise.all([zip(colour), mask ? zip(mask) : Promise.resolve(undefined)]);
  const ctx = doc.context;
  const xobject = (contents: Buffer, colorSpace: string, extra: Record<string, PDFRef> = {}) => ctx.register(ctx.stream(contents, {
    Type: 'XObject', Subtype: 'Image', Width: width, Height: height, BitsPerComponent: 8, ColorSpace: colorSpace, Filter: 'FlateDecode', ...extra,
  }));
  const smask = maskZ ? xobject(maskZ, 'DeviceGray') : undefined;
  const ref = xobject(colourZ, colours === 1 ? 'DeviceGray' : 'DeviceRGB', smask ? { SMask: smask } : {});
  // The image object is complete: PDFImage only needs its ref and size. pdf-lib checks the
  // embedder's class, and never calls it for an image that is not in its own list.
  const embedder = Object.assign(Object.create(PngEmbedder.prototype) as PngEmbedder, { width, height, embedIntoContext: async () => ref });
  return PDFImage.of(ref, doc, embedder);
}

function encode(element: BarcodeElement, values: Readonly<Record<string, unknown>>): BarcodeVector {
  const data = fillTemplate(element.data, values);
  if (data.trim() === '') throw new CardRenderError('barcode_empty', `barcode "${element.id}" has no data: ${element.data} is empty for this person`);
  const result = encodeBarcode(element.symbology, data);
  if (!result.ok) throw new CardRenderError('barcode_unencodable', `barcode "${element.id}": ${result.message}`);
  return result.barcode;
}

function colour(hex: Colour) {
  const n = Number.parseInt(hex.slice(1), 16);
  return rgb(((n >> 16) & 0xff) / 255, ((n >> 8) & 0xff) / 255, (n & 0xff) / 255);
}

/** Draws an image into a box: cover crops (clipped to the box), contain letterboxes, fill stretches. */
function drawImage(page: PDFPage, box: PdfBox, image: PDFImage, fit: 'contain' | 'cover' | 'fill'): void {
  if (fit === 'fill') {
    page.drawImage(image, box);
    return;
  }
  const scale = (fit === 'cover' ? Math.max : Math.min)(box.width / image.width, box.height / image.height);
  const width = image.width * scale;
  const height = image.height * scale;
  page.pushOperators(pushGraphicsState(), rectangle(box.x, box.y, box.width, box.height), clip(), endPath());
  page.drawImage(image, { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height });
  page.pushOperators(popGraphicsState());
}

function drawPhoto(page: PDFPage, element: PhotoElement, box: PdfBox, photo: PDFImage | undefined): void {
  if (photo) drawImage(page, box, photo, 'cover');
  else page.drawRectangle({ ...box, color: colour(element.placeholderColor) });
}

function drawRect(page: PDFPage, element: RectElement, box: PdfBox): void {
  const paint = {
    ...(element.fill ? { color: colour(element.fill) } : {}),
    ...(element.stroke && element.strokeWidth > 0 ? { borderColor: colour(element.stroke), borderWidth: mmToPt(element.strokeWidth) } : {}),
  };
  if (element.cornerRadius <= 0) {
    page.drawRectangle({ ...box, ...paint });
    return;
  }
  // pdf-lib's rectangles have no radius; an SVG path (y down from its origin, the top-left) does.
  const r = mmToPt(element.cornerRadius);
  const { width: w, height: h } = box;
  const d = `M${r} 0H${w - r}A${r} ${r} 0 0 1 ${w} ${r}V${h - r}A${r} ${r} 0 0 1 ${w - r} ${h}H${r}A${r} ${r} 0 0 1 0 ${h - r}V${r}A${r} ${r} 0 0 1 ${r} 0Z`;
  page.drawSvgPath(d, { x: box.x, y: box.y + h, ...paint });
}

function drawEllipse(page: PDFPage, element: EllipseElement, box: PdfBox): void {
  page.drawEllipse({
    x: box.x + box.width / 2, y: box.y + box.height / 2, xScale: box.width / 2, yScale: box.height / 2,
    ...(element.fill ? { color: colour(element.fill) } : {}),
    ...(element.stroke && element.strokeWidth > 0 ? { borderColor: colour(element.stroke), borderWidth: mmToPt(element.strokeWidth) } : {}),
  });
}

/** One fill of many rectangles: compact, and no hairline seams between adjacent modules. */
function drawBarcode(page: PDFPage, element: BarcodeElement, box: PdfBox, barcode: BarcodeVector): void {
  if (element.background) page.drawRectangle({ ...box, color: colour(element.background) });
  const p = placeBarcode(barcode, box);
  const c = colour(element.color);
  page.pushOperators(
    pushGraphicsState(),
    setFillingRgbColor(c.red, c.green, c.blue),
    ...barcode.bars.map((b) => rectangle(
      box.x + p.x + b.x * p.moduleWidth,
      // Bars are y-down from the symbol's top; PDF is y-up from the box's bottom.
      box.y + box.height - p.y - (b.y + b.height) * p.moduleHeight,
      b.width * p.moduleWidth,
      b.height * p.moduleHeight,
    )),
    fill(),
    popGraphicsState(),
  );
}

export interface RenderCardOptions {
  /** `front` for a single-sided preview; `both` (default) adds the back as a second page. */
  readonly sides?: 'front' | 'both';
}

/**
 * One person's card as a PDF of CR80-sized pages, front then back: the editor's live preview
 * on a real person, and a single reprint.
 */
export async function renderCardPdf(template: CardTemplate, person: CardPerson, options: RenderCardOptions = {}): Promise<Uint8Array> {
  checkImageSizes(template);
  const doc = await PDFDocument.create();
  doc.setTitle(`${template.name} card`);
  doc.setCreator('Muster');
  doc.setProducer('Muster (pdf-lib)');
  const painter = await CardPainter.create(doc);
  const size = cardSizePt(template);
  const sides = options.sides === 'front' ? (['front'] as const) : SIDES;
  const card = await painter.prepare(template, person, sides);
  for (const side of sides) await painter.drawSide(doc.addPage([size.width, size.height]), card, side, { x: 0, y: 0 });
  return doc.save();
}
