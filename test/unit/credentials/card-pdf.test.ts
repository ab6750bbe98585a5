import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTES } from '../../../src/roster/fields.js';
import { type CardPerson, CardRenderError, renderCardPdf } from '../../../src/credentials/card-pdf.js';
import { type CardTemplate, validateTemplate } from '../../../src/credentials/card-template.js';
import { defaultTemplate } from '../../../src/credentials/default-template.js';
import { type Raster, type Rgb, TWO_TONE_JPEG, embeddedFonts, hex, isDark, near, pageContent, rasterise } from './test-fixtures.js';
import { mmToPt } from '../../../src/credentials/units.js';

const fieldKeys = DEFAULT_ATTRIBUTES.map(([key]) => key);

const person = (fields: Record<string, unknown> = {}, extra: Partial<CardPerson> = {}): CardPerson => ({
  fields: { first_name: 'Łukasz', last_name: 'Żółć', organisation: 'Muster Test', job_title: 'Engineer', department: 'Platform', employee_number: 'E-00042', ...fields },
  photo: TWO_TONE_JPEG,
  verifyUrl: 'https://muster.example/v/8f3a9c0d',
  ...extra,
});

/** A template from partial JSON, through validation like every real one. */
function template(input: Record<string, unknown>): CardTemplate {
  const result = validateTemplate({ version: 1, name: 'Test', front: { elements: [] }, back: { elements: [] }, ...input }, { fieldKeys });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.template;
}

/** The pixels of a region of the card given in mm from its top-left corner. */
const mm = (r: Raster, x: number, y: number, w: number, h: number): Rgb[] => r.region(mmToPt(x), mmToPt(y), mmToPt(w), mmToPt(h));
const share = (pixels: Rgb[], test: (p: Rgb) => boolean) => pixels.filter(test).length / pixels.length;

describe('renderCardPdf', () => {
  it('renders front and back as CR80 pages (242.65 × 153.01 pt), portrait turned', async () => {
    const doc = await PDFDocument.load(await renderCardPdf(defaultTemplate(), person()));
    expect(doc.getPageCount()).toBe(2);
    for (const page of doc.getPages()) {
      expect(page.getWidth()).toBeCloseTo(242.65, 2);
      expect(page.getHeight()).toBeCloseTo(153.01, 2);
    }
    const portrait = await PDFDocument.load(await renderCardPdf({ ...defaultTemplate(), orientation: 'portrait', front: { background: '#ffffff', elements: [] } }, person(), { sides: 'front' }));
    expect(portrait.getPageCount()).toBe(1);
    expect(portrait.getPage(0).getWidth()).toBeCloseTo(153.01, 2);
    expect(portrait.getPage(0).getHeight()).toBeCloseTo(242.65, 2);
    expect(doc.getTitle()).toBe('Staff ID card');
    expect(doc.getCreator()).toBe('Muster');
  });

  it('embeds DejaVu Sans regular and bold, subset, with every character of the names it printed', async () => {
    const names = ['Łukasz Żółć', 'Nguyễn Thị Minh Khai', "Zoë O'Brien-Ångström", 'Ελένη Παπαδοπούλου', 'Анна Иванова'];
    const t = template({
      front: {
        elements: [
          { type: 'text', id: 'regular', x: 2, y: 2, width: 80, height: 20, text: '{first_name}', maxLines: 3 },
          { type: 'text', id: 'bold', x: 2, y: 25, width: 80, height: 20, text: '{last_name}', fontWeight: 'bold', maxLines: 3 },
        ],
      },
    });
    const pdf = await renderCardPdf(t, person({ first_name: names.join(' '), last_name: names.join(' ') }), { sides: 'front' });
    const fonts = await embeddedFonts(pdf);
    // pdf-lib names an embedded font after its PostScript name plus a random number.
    expect(fonts.map((f) => f.baseFont.replace(/-\d+$/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    for (const font of fonts) {
      expect(font.embedded).toBe(true);
      // Subset: DejaVuSans.ttf is about 740 kB; the glyphs of a few names are a few kB.
      expect(font.programBytes).toBeGreaterThan(1000);
      expect(font.programBytes).toBeLessThan(60_000);
      for (const ch of names.join('').replace(/\s/g, '')) expect(font.unicode.has(ch.codePointAt(0) ?? 0), `${ch} in ${font.baseFont}`).toBe(true);
      expect(font.unicode.size).toBeLessThan(100); // a subset: the font has thousands of glyphs
    }
    const content = await pageContent(pdf);
    expect(content.match(/ Tf\b/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a card it cannot make right, with a reason per person', async () => {
    const barcode = (data: string, symbology = 'qr') => template({ back: { elements: [{ type: 'barcode', id: 'b', x: 5, y: 5, width: 20, height: 20, symbology, data }] } });
    await expect(renderCardPdf(barcode('{employee_number}'), person({ employee_number: null }))).rejects.toMatchObject({ code: 'barcode_empty' });
    await expect(renderCardPdf(barcode('{verifyUrl}'), person({}, { verifyUrl: undefined }))).rejects.toBeInstanceOf(CardRenderError);
    await expect(renderCardPdf(barcode('{last_name}', 'code128'), person())).rejects.toMatchObject({ code: 'barcode_unencodable' });
    const photo = template({ front: { elements: [{ type: 'photo', id: 'p', x: 5, y: 5, width: 20, height: 25 }] } });
    await expect(renderCardPdf(photo, person({}, { photo: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]) }))).rejects.toMatchObject({ code: 'photo_unreadable' });
  });
});

describe('renderCardPdf, looked at as pixels (rasterised with PDFium)', () => {
  it('paints the default front: header, cropped photo, dark name, white ground, empty field left blank', async () => {
    const pdf = await renderCardPdf(defaultTemplate(), person({ job_title: undefined, first_name: 'Nguyễn Thị Minh', last_name: 'Khai' }));
    const r = await rasterise(pdf, 0);
    expect(r.width).toBe(Math.round(mmToPt(85.6) * 4));
    expect(r.height).toBe(Math.round(mmToPt(53.98) * 4));
    // Header band: navy.
    expect(share(mm(r, 40, 0.5, 20, 1), (p) => near(p, hex('#1f3a5f')))).toBe(1);
    // The photo (top half #203060, bottom half #e08020) covers its 25 × 32 mm box, cropped not squeezed.
    expect(share(mm(r, 5, 15, 23, 12), (p) => near(p, hex('#203060')))).toBeGreaterThan(0.99);
    expect(share(mm(r, 5, 33, 23, 12), (p) => near(p, hex('#e08020')))).toBeGreaterThan(0.99);
    // The name is dark ink in its box.
    const name = mm(r, 32, 14.5, 50, 11);
    expect(share(name, isDark)).toBeGreaterThan(0.05);
    // The job title is missing for this person: its box is plain background, no "undefined".
    expect(share(mm(r, 32.5, 27.3, 49, 4), (p) => near(p, [255, 255, 255], 2))).toBe(1);
    // Empty card ground stays white; the footer band is amber.
    expect(share(mm(r, 33, 45.5, 48, 4), (p) => near(p, [255, 255, 255], 2))).toBe(1);
    expect(share(mm(r, 10, 51.5, 60, 2), (p) => near(p, hex('#e8a317')))).toBe(1);
  });

  it('paints the back: a QR code of dark and light modules on white', async () => {
    const r = await rasterise(await renderCardPdf(defaultTemplate(), person()), 1);
    const qr = mm(r, 9, 19, 20, 20); // inside the quiet zone of the 28 mm box at (5, 15)
    expect(share(qr, isDark)).toBeGreaterThan(0.3);
    expect(share(qr, isDark)).toBeLessThan(0.7);
    expect(share(mm(r, 5.2, 15.2, 1.5, 27.5), (p) => near(p, [255, 255, 255], 2))).toBe(1); // quiet zone
  });

  it('fills the side background, draws shapes, and a placeholder where there is no photo', async () => {
    const t = template({
      front: {
        background: '#f0e6d2',
        elements: [
          { type: 'photo', id: 'p', x: 5, y: 5, width: 20, height: 25, placeholderColor: '#8899aa' },
          { type: 'ellipse', id: 'e', x: 40, y: 5, width: 20, height: 20, fill: '#cc0000' },
          { type: 'rect', id: 'r', x: 40, y: 30, width: 30, height: 15, fill: '#00aa00', stroke: '#000000', strokeWidth: 0.5, cornerRadius: 3 },
        ],
      },
    });
    const r = await rasterise(await renderCardPdf(t, person({}, { photo: undefined }), { sides: 'front' }), 0);
    const at = (x: number, y: number) => r.pixel(Math.round(mmToPt(x) * r.scale), Math.round(mmToPt(y) * r.scale));
    expect(share(mm(r, 70, 2, 10, 20), (p) => near(p, hex('#f0e6d2'), 3))).toBe(1);
    expect(share(mm(r, 7, 7, 16, 21), (p) => near(p, hex('#8899aa'), 3))).toBe(1);
    expect(near(at(50, 15), hex('#cc0000'), 3)).toBe(true);
    // The ellipse's bounding-box corner is outside the ellipse: background.
    expect(near(at(40.5, 5.5), hex('#f0e6d2'), 3)).toBe(true);
    expect(share(mm(r, 43, 33, 24, 9), (p) => near(p, hex('#00aa00'), 3))).toBe(1);
    // Rounded corner: the very corner of the rectangle's box is background; its outline is dark.
    expect(near(at(40.2, 30.2), hex('#f0e6d2'), 3)).toBe(true);
    expect(isDark(at(55, 30))).toBe(true);
  });
});
