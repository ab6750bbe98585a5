import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTES } from '../../../src/roster/fields.js';
import { type CardTemplate, validateTemplate } from '../../../src/credentials/card-template.js';
import { defaultTemplate } from '../../../src/credentials/default-template.js';
import { type BatchPerson, type BatchProgress, renderBatch } from '../../../src/credentials/print-sheet.js';
import { sheetLayout } from '../../../src/credentials/sheet-layout.js';
import { type Rgb, TWO_TONE_JPEG, hex, isDark, near, rasterise } from './test-fixtures.js';
import { CR80_MM, PAPER_MM } from '../../../src/credentials/units.js';

const fieldKeys = DEFAULT_ATTRIBUTES.map(([key]) => key);

const people = (n: number, over: (i: number) => Partial<BatchPerson> = () => ({})): BatchPerson[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    fields: { first_name: 'Zoë', last_name: `O'Brien-Ångström ${i}`, employee_number: `E-${1000 + i}`, organisation: 'Muster Test' },
    photo: TWO_TONE_JPEG,
    photoApproved: true,
    verifyUrl: `https://muster.example/v/${i}`,
    ...over(i),
  }));

async function pages(pdf: Uint8Array | null) {
  if (!pdf) throw new Error('expected a PDF');
  const doc = await PDFDocument.load(pdf);
  return { doc, sizes: doc.getPages().map((p) => [Number(p.getWidth().toFixed(2)), Number(p.getHeight().toFixed(2))]) };
}

/** A front and a back of flat, different colours, to find each card on a sheet by its pixels. */
function colouredTemplate(): CardTemplate {
  const result = validateTemplate({
    version: 1, name: 'Colours',
    front: { background: '#3366cc', elements: [{ type: 'photo', id: 'p', x: 60, y: 30, width: 20, height: 20 }] },
    back: { background: '#cc3333', elements: [] },
  }, { fieldKeys });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.template;
}

describe('renderBatch', () => {
  it('card layout: one CR80 page per side, front then back', async () => {
    const both = await renderBatch(defaultTemplate(), people(3), { layout: 'card', sides: 'both' });
    expect(both.pages).toBe(6);
    expect((await pages(both.pdf)).sizes).toEqual(Array(6).fill([242.65, 153.01]));
    expect(both.printed).toEqual(['p0', 'p1', 'p2']);
    const front = await renderBatch(defaultTemplate(), people(3), { layout: 'card', sides: 'front' });
    expect((await pages(front.pdf)).sizes).toEqual(Array(3).fill([242.65, 153.01]));
  });

  it('a4 layout: 10 cards a sheet, each sheet of fronts followed by its backs', async () => {
    const result = await renderBatch(defaultTemplate(), people(12), { layout: 'a4', sides: 'both' });
    expect((await pages(result.pdf)).sizes).toEqual(Array(4).fill([595.28, 841.89]));
    const front = await renderBatch(defaultTemplate(), people(10), { layout: 'a4', sides: 'front' });
    expect(front.pages).toBe(1);
  });

  it('letter layout: 8 cards a sheet', async () => {
    const result = await renderBatch(defaultTemplate(), people(9), { layout: 'letter', sides: 'front' });
    expect((await pages(result.pdf)).sizes).toEqual(Array(2).fill([612, 792]));
  });

  it('prints only people with an approved photo and says who was skipped and why', async () => {
    const batch = people(6, (i) => [
      {}, { photoApproved: false }, { photo: undefined }, { fields: { first_name: 'No', last_name: 'Link' }, verifyUrl: '' }, { photo: new Uint8Array(12) }, {},
    ][i] ?? {});
    const result = await renderBatch(defaultTemplate(), batch, { layout: 'card', sides: 'both' });
    expect(result.printed).toEqual(['p0', 'p5']);
    expect(result.pages).toBe(4);
    expect(result.skipped.map(({ id, reason }) => ({ id, reason }))).toEqual([
      { id: 'p1', reason: 'photo_not_approved' },
      { id: 'p2', reason: 'no_photo' },
      { id: 'p3', reason: 'barcode_empty' },
      { id: 'p4', reason: 'photo_unreadable' },
    ]);
    for (const s of result.skipped) expect(s.message.length).toBeGreaterThan(5);
  });

  it('writes PDF metadata', async () => {
    const { doc } = await pages((await renderBatch(defaultTemplate(), people(1), { layout: 'a4', sides: 'front' })).pdf);
    expect(doc.getTitle()).toBe('Staff ID cards');
    expect(doc.getCreator()).toBe('Muster');
    expect(doc.getSubject()).toBe('A4 sheets with crop marks, front only');
    const titled = await pages((await renderBatch(defaultTemplate(), people(1), { layout: 'card', sides: 'both', title: 'Intake May 2026' })).pdf);
    expect(titled.doc.getTitle()).toBe('Intake May 2026');
  });

  it('reports progress every N people and at the end, and yields to the event loop between cards', async () => {
    const seen: BatchProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const ticksAtReport: number[] = [];
    const batch = people(7, (i) => (i === 2 ? { photoApproved: false } : {}));
    try {
      await renderBatch(defaultTemplate(), batch, { layout: 'card', sides: 'front', progressEvery: 3 }, (p) => {
        seen.push(p);
        ticksAtReport.push(ticks);
      });
    } finally {
      clearInterval(timer);
    }
    expect(seen).toEqual([
      { done: 3, total: 7, printed: 2, skipped: 1 },
      { done: 6, total: 7, printed: 5, skipped: 1 },
      { done: 7, total: 7, printed: 6, skipped: 1 },
    ]);
    // A timer ran while the batch was working: it did not hold the event loop.
    expect(ticksAtReport[ticksAtReport.length - 1]).toBeGreaterThan(0);
  });

  it('takes people from an async iterable (streamed from the store) and can be cancelled', async () => {
    async function* stream() {
      for (const p of people(4)) yield p;
    }
    const result = await renderBatch(defaultTemplate(), stream(), { layout: 'card', sides: 'front', total: 4 });
    expect(result.printed).toHaveLength(4);

    const controller = new AbortController();
    const run = renderBatch(defaultTemplate(), people(50), { layout: 'card', sides: 'front', signal: controller.signal, progressEvery: 1 }, (p) => {
      if (p.done === 2) controller.abort(new Error('cancelled by admin'));
    });
    await expect(run).rejects.toThrow('cancelled by admin');
  });

  it('returns no PDF when nobody can be printed', async () => {
    const result = await renderBatch(defaultTemplate(), people(2, () => ({ photoApproved: false })), { layout: 'a4', sides: 'both' });
    expect(result).toMatchObject({ pdf: null, pages: 0, printed: [] });
    expect(result.skipped).toHaveLength(2);
  });
});

describe('renderBatch sheets, looked at as pixels', () => {
  const blue = hex('#3366cc');
  const red = hex('#cc3333');
  const white: Rgb = [255, 255, 255];

  it('places fronts in the grid with crop marks, and mirrors the backs for long-edge duplex', async () => {
    const layout = sheetLayout(PAPER_MM.a4, CR80_MM);
    const result = await renderBatch(colouredTemplate(), people(1), { layout: 'a4', sides: 'both' });
    expect(result.pages).toBe(2);
    const pdf = (await pages(result.pdf)) && (result.pdf as Uint8Array);
    const front = await rasterise(pdf, 0, 2);
    const back = await rasterise(pdf, 1, 2);
    // Centre of each slot, in points from the page's top-left (layouts are bottom-left based).
    const centre = (i: number, side: 'fronts' | 'backs') => {
      const p = layout[side][i]!;
      return [p.x + layout.card.width / 2, layout.paper.height - p.y - layout.card.height / 2] as const;
    };
    const at = (r: typeof front, [x, y]: readonly [number, number]) => r.pixel(Math.round(x * r.scale), Math.round(y * r.scale));
    // One person: the front is in the top-left slot, the top-right slot is empty paper.
    expect(near(at(front, centre(0, 'fronts')), blue, 3)).toBe(true);
    expect(near(at(front, centre(1, 'fronts')), white, 2)).toBe(true);
    // Its back is in the top-right slot of the back page, which is behind the top-left after the flip.
    expect(near(at(back, centre(0, 'backs')), red, 3)).toBe(true);
    expect(near(at(back, centre(1, 'backs')), white, 2)).toBe(true);
    expect(centre(0, 'backs')[0]).toBeCloseTo(centre(1, 'fronts')[0], 6);
    // The photo (20 mm square at 60, 30) shows the lower, orange half of the picture at y = 46 mm: upright.
    const card = layout.fronts[0]!;
    const photoCentre = [card.x + (70 / 85.6) * layout.card.width, layout.paper.height - card.y - layout.card.height + (46 / 53.98) * layout.card.height] as const;
    expect(near(at(front, photoCentre), hex('#e08020'), 24)).toBe(true);
    // A crop mark: dark pixels on the card's top edge line, left of the card, in the margin.
    const topY = layout.paper.height - card.y - layout.card.height;
    const markPixels = front.region(card.x - 3, topY - 0.5, 2, 1);
    expect(markPixels.some(isDark)).toBe(true);
    // ...and none on the card's own corner area outside the marks (the gap before the mark).
    expect(front.region(card.x - 1, topY - 1.2, 0.9, 0.6).every((p) => near(p, white, 40))).toBe(true);
    // No marks for the empty slot.
    const empty = layout.fronts[1]!;
    expect(front.region(empty.x + layout.card.width + 0.5, layout.paper.height - empty.y - layout.card.height - 0.5, 6, 1).every((p) => near(p, white, 2))).toBe(true);
  });
});
