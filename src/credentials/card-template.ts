/**
 * The card template: a typed, versioned JSON document describing both sides of a CR80 card.
 * It is what the card editor saves, what the store keeps per list, and what the PDF renderer
 * draws. Geometry is in millimetres from the card's top-left corner (y grows downwards, as in
 * the editor's SVG canvas); font sizes are in points. validateTemplate() is the only way in:
 * it turns untrusted JSON into a CardTemplate with every default filled, or explains every
 * problem at once so the editor can mark each one.
 */
import { type Size, CR80_MM } from './units.js';
import { type TemplateProblem, TemplateReader } from './template-reader.js';
import { CARD_VARIABLES, placeholders } from './field-template.js';
import { BARCODE_SYMBOLOGIES, type BarcodeSymbology, encodeBarcode } from './barcode.js';
import { imageSizeProblem } from './image-size.js';

export type { TemplateProblem } from './template-reader.js';

/** Bumped when a saved template would no longer mean the same thing; readers refuse others. */
export const CARD_TEMPLATE_VERSION = 1;

export const ORIENTATIONS = ['landscape', 'portrait'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];
export const SIDES = ['front', 'back'] as const;
export type SideName = (typeof SIDES)[number];
export const ELEMENT_TYPES = ['text', 'photo', 'image', 'rect', 'ellipse', 'barcode'] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

/** `#rrggbb`. */
export type Colour = string;

/** Where an element sits on its side, in mm from the card's top-left corner. */
export interface ElementBox {
  /** Unique in the template: the editor selects and the problems name elements by it. */
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TextElement extends ElementBox {
  readonly type: 'text';
  /** Literal text, or a template bound to roster fields: "{first_name} {last_name}". */
  readonly text: string;
  /** Points. Shrunk (down to minFontSize) until the text fits in maxLines and the box. */
  readonly fontSize: number;
  readonly minFontSize: number;
  readonly fontWeight: 'regular' | 'bold';
  readonly color: Colour;
  readonly align: 'left' | 'center' | 'right';
  readonly verticalAlign: 'top' | 'middle' | 'bottom';
  /** Words wrap onto at most this many lines; what still does not fit ends with "…". */
  readonly maxLines: number;
}

/** The person's approved photo, scaled to cover the box and cropped (CSS object-fit: cover). */
export interface PhotoElement extends ElementBox {
  readonly type: 'photo';
  /** Drawn where there is no photo (template previews); cards are only printed with one. */
  readonly placeholderColor: Colour;
}

/** A logo or other artwork stored in the template itself. */
export interface ImageElement extends ElementBox {
  readonly type: 'image';
  /** Base64 of a PNG or JPEG file (no data: prefix once validated). */
  readonly data: string;
  readonly fit: 'contain' | 'cover' | 'fill';
}

export interface RectElement extends ElementBox {
  readonly type: 'rect';
  readonly fill: Colour | null;
  readonly stroke: Colour | null;
  /** Millimetres, centred on the outline. */
  readonly strokeWidth: number;
  /** Millimetres. */
  readonly cornerRadius: number;
}

export interface EllipseElement extends ElementBox {
  readonly type: 'ellipse';
  readonly fill: Colour | null;
  readonly stroke: Colour | null;
  readonly strokeWidth: number;
}

export interface BarcodeElement extends ElementBox {
  readonly type: 'barcode';
  readonly symbology: BarcodeSymbology;
  /** What the barcode encodes: a template such as "{verifyUrl}" or "{employee_number}". */
  readonly data: string;
  readonly color: Colour;
  /** Painted behind the symbol and its quiet zone, or null for none. */
  readonly background: Colour | null;
}

export type CardElement = TextElement | PhotoElement | ImageElement | RectElement | EllipseElement | BarcodeElement;

export interface CardSide {
  readonly background: Colour;
  /** Painted in order: later elements on top. */
  readonly elements: readonly CardElement[];
}

export interface CardTemplate {
  readonly version: typeof CARD_TEMPLATE_VERSION;
  readonly name: string;
  /** ISO/IEC 7810 ID-1; the only size card printers take. */
  readonly size: 'CR80';
  readonly orientation: Orientation;
  readonly front: CardSide;
  readonly back: CardSide;
}

/** The card's width and height in mm as the template is drawn (portrait swaps them). */
export function cardSizeMm(template: Pick<CardTemplate, 'orientation'>): Size {
  return template.orientation === 'portrait' ? { width: CR80_MM.height, height: CR80_MM.width } : CR80_MM;
}

export interface ValidateOptions {
  /** The list's roster field keys: the names a `{field}` may use, besides CARD_VARIABLES. */
  readonly fieldKeys: readonly string[];
}

export type ValidationResult =
  | { readonly ok: true; readonly template: CardTemplate }
  | { readonly ok: false; readonly problems: readonly TemplateProblem[] };

/** Enough for any real card; stops a runaway document from becoming a runaway render. */
const MAX_ELEMENTS = 100;
const MAX_TEXT = 1000;
const MAX_IMAGE_BASE64 = 2_000_000;
/** Geometry is compared with this slack, so 85.6 typed as 85.60000001 by an editor still fits. */
const EPSILON_MM = 0.01;

/**
 * Checks untrusted JSON (the editor's save, an import) and returns a template with every
 * default filled, or every problem found, each with a path like `front.elements[2].fontSize`.
 * Never throws.
 */
export function validateTemplate(input: unknown, options: ValidateOptions): ValidationResult {
  const r = new TemplateReader();
  try {
    const template = readTemplate(r, input, new Set([...options.fieldKeys, ...CARD_VARIABLES]));
    return r.problems.length === 0 && template ? { ok: true, template } : { ok: false, problems: r.problems };
  } catch (err) {
    // A bug here must still give the editor an answer, not a 500.
    return { ok: false, problems: [...r.problems, { path: '', message: `template could not be read: ${(err as Error).message}` }] };
  }
}

function readTemplate(r: TemplateReader, input: unknown, keys: ReadonlySet<string>): CardTemplate | undefined {
  const o = r.object(input, '');
  if (!o) return undefined;
  r.onlyKeys(o, '', ['version', 'name', 'size', 'orientation', 'front', 'back']);
  if (o.version !== CARD_TEMPLATE_VERSION) {
    r.problem('version', `must be ${CARD_TEMPLATE_VERSION} (this Muster reads card templates of version ${CARD_TEMPLATE_VERSION})`);
  }
  const name = r.string(o, 'name', '', { max: 200, fallback: 'Card' });
  const size = r.oneOf(o, 'size', '', ['CR80'] as const, 'CR80');
  const orientation = r.oneOf(o, 'orientation', '', ORIENTATIONS, 'landscape');
  const card = cardSizeMm({ orientation });
  const ids = new Map<string, string>();
  const front = readSide(r, o.front, 'front', card, keys, ids);
  const back = readSide(r, o.back, 'back', card, keys, ids);
  if (!front || !back) return undefined;
  return { version: CARD_TEMPLATE_VERSION, name, size, orientation, front, back };
}

function readSide(r: TemplateReader, input: unknown, path: string, card: Size, keys: ReadonlySet<string>, ids: Map<string, string>): CardSide | undefined {
  const o = r.object(input, path);
  if (!o) return undefined;
  r.onlyKeys(o, path, ['background', 'elements']);
  const background = r.colour(o, 'background', path, '#ffffff') ?? '#ffffff';
  const list = o.elements ?? [];
  if (!Array.isArray(list)) {
    r.problem(`${path}.elements`, 'must be a list of elements');
    return undefined;
  }
  if (list.length > MAX_ELEMENTS) r.problem(`${path}.elements`, `has ${list.length} elements; at most ${MAX_ELEMENTS} are allowed`);
  const elements: CardElement[] = [];
  list.slice(0, MAX_ELEMENTS).forEach((item, i) => {
    const element = readElement(r, item, `${path}.elements[${i}]`, card, keys, ids);
    if (element) elements.push(element);
  });
  return { background, elements };
}

const BOX_KEYS = ['id', 'type', 'x', 'y', 'width', 'height'];

function readElement(r: TemplateReader, input: unknown, path: string, card: Size, keys: ReadonlySet<string>, ids: Map<string, string>): CardElement | undefined {
  const o = r.object(input, path);
  if (!o) return undefined;
  const type = o.type;
  if (!isElementType(type)) {
    r.problem(`${path}.type`, `unsupported element type ${JSON.stringify(type)}; use one of ${ELEMENT_TYPES.join(', ')}`);
    return undefined;
  }
  const box = readBox(r, o, path, card, ids);
  switch (type) {
    case 'text': {
      r.onlyKeys(o, path, [...BOX_KEYS, 'text', 'fontSize', 'minFontSize', 'fontWeight', 'color', 'align', 'verticalAlign', 'maxLines']);
      const text = r.string(o, 'text', path, { max: MAX_TEXT });
      checkBinding(r, text, `${path}.text`, keys);
      const fontSize = r.number(o, 'fontSize', path, { min: 4, max: 72, fallback: 10 });
      const minFontSize = r.number(o, 'minFontSize', path, { min: 4, max: 72, fallback: Math.min(6, fontSize) });
      if (minFontSize > fontSize) r.problem(`${path}.minFontSize`, `must not exceed fontSize (${fontSize} pt)`);
      return {
        ...box, type, text, fontSize, minFontSize,
        fontWeight: r.oneOf(o, 'fontWeight', path, ['regular', 'bold'] as const, 'regular'),
        color: r.colour(o, 'color', path, '#000000') ?? '#000000',
        align: r.oneOf(o, 'align', path, ['left', 'center', 'right'] as const, 'left'),
        verticalAlign: r.oneOf(o, 'verticalAlign', path, ['top', 'middle', 'bottom'] as const, 'top'),
        maxLines: r.number(o, 'maxLines', path, { min: 1, max: 10, integer: true, fallback: 1 }),
      };
    }
    case 'photo':
      r.onlyKeys(o, path, [...BOX_KEYS, 'placeholderColor']);
      return { ...box, type, placeholderColor: r.colour(o, 'placeholderColor', path, '#d0d4da') ?? '#d0d4da' };
    case 'image': {
      r.onlyKeys(o, path, [...BOX_KEYS, 'data', 'fit']);
      const data = readImageData(r, o.data, `${path}.data`);
      return { ...box, type, data, fit: r.oneOf(o, 'fit', path, ['contain', 'cover', 'fill'] as const, 'contain') };
    }
    case 'rect': {
      r.onlyKeys(o, path, [...BOX_KEYS, 'fill', 'stroke', 'strokeWidth', 'cornerRadius']);
      const cornerRadius = r.number(o, 'cornerRadius', path, { min: 0, max: 30, fallback: 0 });
      if (cornerRadius > Math.min(box.width, box.height) / 2 + EPSILON_MM) {
        r.problem(`${path}.cornerRadius`, 'must be at most half the shorter side');
      }
      return { ...box, type, ...readPaint(r, o, path), cornerRadius };
    }
    case 'ellipse':
      r.onlyKeys(o, path, [...BOX_KEYS, 'fill', 'stroke', 'strokeWidth']);
      return { ...box, type, ...readPaint(r, o, path) };
    case 'barcode': {
      r.onlyKeys(o, path, [...BOX_KEYS, 'symbology', 'data', 'color', 'background']);
      const symbology = r.oneOf(o, 'symbology', path, BARCODE_SYMBOLOGIES, 'qr');
      const data = r.string(o, 'data', path, { max: MAX_TEXT });
      if (data.trim() === '') r.problem(`${path}.data`, 'barcode data is empty; bind it to a field, e.g. "{verifyUrl}" or "{employee_number}"');
      const bound = checkBinding(r, data, `${path}.data`, keys);
      if (data.trim() !== '' && !bound) {
        // Literal data is the same on every card, so whether it encodes is known now.
        const encoded = encodeBarcode(symbology, data);
        if (!encoded.ok) r.problem(`${path}.data`, encoded.message);
      }
      return {
        ...box, type, symbology, data,
        color: r.colour(o, 'color', path, '#000000') ?? '#000000',
        background: r.colour(o, 'background', path, '#ffffff', true),
      };
    }
  }
}

const isElementType = (v: unknown): v is ElementType => typeof v === 'string' && (ELEMENT_TYPES as readonly string[]).includes(v);

function readBox(r: TemplateReader, o: Record<string, unknown>, path: string, card: Size, ids: Map<string, string>): ElementBox {
  const id = r.string(o, 'id', path, { max: 64 });
  if (id === '') {
    if (typeof o.id === 'string') r.problem(`${path}.id`, 'must not be empty');
  }
  else if (ids.has(id)) r.problem(`${path}.id`, `"${id}" is already used by ${ids.get(id) ?? 'another element'}`);
  else ids.set(id, path);
  const x = r.number(o, 'x', path, { min: -Infinity, max: Infinity });
  const y = r.number(o, 'y', path, { min: -Infinity, max: Infinity });
  const width = r.number(o, 'width', path, { min: 0.1, max: 1000 });
  const height = r.number(o, 'height', path, { min: 0.1, max: 1000 });
  const off = (edge: string, detail: string) => r.problem(path, `is off the card: ${edge} (${detail})`);
  if (x < -EPSILON_MM) off('it starts left of the left edge', `x = ${x} mm`);
  if (y < -EPSILON_MM) off('it starts above the top edge', `y = ${y} mm`);
  if (x + width > card.width + EPSILON_MM) off('it extends past the right edge', `x + width = ${round(x + width)} mm > ${card.width} mm`);
  if (y + height > card.height + EPSILON_MM) off('it extends past the bottom edge', `y + height = ${round(y + height)} mm > ${card.height} mm`);
  return { id, x, y, width, height };
}

function readPaint(r: TemplateReader, o: Record<string, unknown>, path: string): { fill: Colour | null; stroke: Colour | null; strokeWidth: number } {
  const fill = r.colour(o, 'fill', path, null, true);
  const stroke = r.colour(o, 'stroke', path, null, true);
  const strokeWidth = r.number(o, 'strokeWidth', path, { min: 0, max: 5, fallback: stroke ? 0.3 : 0 });
  if (fill === null && (stroke === null || strokeWidth === 0)) r.problem(path, 'draws nothing: give it a fill, or a stroke with a strokeWidth');
  return { fill, stroke, strokeWidth };
}

/** Reports unknown names and stray braces; returns whether the text has any placeholder. */
function checkBinding(r: TemplateReader, text: string, path: string, keys: ReadonlySet<string>): boolean {
  const { names, unmatchedBrace } = placeholders(text);
  if (unmatchedBrace) r.problem(path, 'has a "{" or "}" that does not enclose a field name like {first_name}');
  for (const name of new Set(names)) {
    if (!keys.has(name)) r.problem(path, `{${name}} is not a field of this list${name === '' ? '' : ` (nor one of ${CARD_VARIABLES.join(', ')})`}`);
  }
  return names.length > 0;
}

function readImageData(r: TemplateReader, value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') {
    r.problem(path, 'must be a base64-encoded PNG or JPEG image');
    return '';
  }
  const data = value.replace(/^data:image\/(png|jpeg);base64,/, '').replace(/\s+/g, '');
  if (data.length > MAX_IMAGE_BASE64) {
    r.problem(path, `is ${data.length} characters of base64; images are limited to ${MAX_IMAGE_BASE64}`);
    return '';
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    r.problem(path, 'is not valid base64');
    return '';
  }
  const bytes = Buffer.from(data, 'base64');
  if (imageFormat(bytes) === undefined) r.problem(path, 'is neither a PNG nor a JPEG image');
  else {
    // The declared size, from the header, before anything decodes it (a small file can declare a huge image).
    const tooLarge = imageSizeProblem(bytes);
    if (tooLarge) r.problem(path, tooLarge);
  }
  return data;
}

/** PNG or JPEG by magic number (the only two formats PDF embeds without conversion). */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

const round = (n: number): number => Math.round(n * 100) / 100;
