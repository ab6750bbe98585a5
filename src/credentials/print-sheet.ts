/**
 * Print runs: many people's cards in one PDF, either one card per page at exact CR80 size for
 * card printers (Evolis, Zebra, Fargo, Magicard drivers all take a CR80 page), or several per
 * A4/Letter sheet with crop marks for an office printer and a guillotine.
 *
 * Built to run as a background job over thousands of people: it takes people one at a time
 * (an array, or an async iterable streaming them and their photos from the store), yields to
 * the event loop after every card so the server keeps answering, reports progress, and can be
 * cancelled. A person who cannot get a correct card is skipped with the reason; the batch goes on.
 */
import { PDFDocument, type PDFPage, rgb } from 'pdf-lib';
import { type CardTemplate, type SideName, SIDES, cardSizeMm } from './card-template.js';
import { type CardPerson, type CardRenderErrorCode, CardPainter, CardRenderError, cardSizePt } from './card-pdf.js';
import { type Line, MARK_WIDTH_PT, sheetLayout } from './sheet-layout.js';
import { PAPER_MM, type PrintLayout } from './units.js';

export { PRINT_LAYOUTS, type PrintLayout } from './units.js';

export interface BatchPerson extends CardPerson {
  /** The person's id, to say who was printed and who was skipped. */
  readonly id: string;
  /** Only approved photos are printed: a card is hard to take back once handed out. */
  readonly photoApproved: boolean;
}

export interface BatchOptions {
  /** `card`: one CR80 page per side; `a4` / `letter`: sheets with crop marks. */
  readonly layout: PrintLayout;
  /** `both` prints the backs: after each front for `card`, as a mirrored sheet after each sheet otherwise. */
  readonly sides: 'front' | 'both';
  /** PDF title; defaults to the template's name. */
  readonly title?: string;
  /** Progress is reported after every this many people (default 25), and once at the end. */
  readonly progressEvery?: number;
  /** The number of people, when `people` is an async iterable (for progress). */
  readonly total?: number;
  /** Stops the batch between two cards; renderBatch then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface BatchProgress {
  /** People handled so far, printed or skipped. */
  readonly done: number;
  readonly total: number | undefined;
  readonly printed: number;
  readonly skipped: number;
}

export type SkipReason = 'no_photo' | 'photo_not_approved' | CardRenderErrorCode;

export interface SkippedPerson {
  readonly id: string;
  readonly reason: SkipReason;
  readonly message: string;
}

export interface BatchResult {
  /** The print file, or null when nobody could be printed (rather than a file of blank pages). */
  readonly pdf: Uint8Array | null;
  readonly pages: number;
  /** Ids of the people printed, in print order. */
  readonly printed: readonly string[];
  readonly skipped: readonly SkippedPerson[];
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function renderBatch(
  template: CardTemplate,
  people: Iterable<BatchPerson> | AsyncIterable<BatchPerson>,
  options: BatchOptions,
  onProgress?: (progress: BatchProgress) => void | Promise<void>,
): Promise<BatchResult> {
  const doc = await PDFDocument.create();
  doc.setTitle(options.title ?? `${template.name} cards`);
  doc.setCreator('Muster');
  doc.setProducer('Muster (pdf-lib)');
  doc.setSubject(`${options.layout === 'card' ? 'CR80 card printer' : `${options.layout.toUpperCase()} sheets with crop marks`}, ${options.sides === 'both' ? 'front and back' : 'front only'}`);
  const painter = await CardPainter.create(doc);
  const sides: readonly SideName[] = options.sides === 'both' ? SIDES : ['front'];
  const placer = options.layout === 'card' ? cardPlacer(doc, template, sides) : sheetPlacer(doc, template, sides, options.layout);

  const total = Array.isArray(people) ? people.length : options.total;
  const every = Math.max(1, options.progressEvery ?? 25);
  const printed: string[] = [];
  const skipped: SkippedPerson[] = [];
  let done = 0;
  const report = async () => onProgress?.({ done, total, printed: printed.length, skipped: skipped.length });

  for await (const person of people) {
    options.signal?.throwIfAborted();
    const refusal = photoRefusal(person);
    if (refusal) {
      skipped.push(refusal);
    } else {
      try {
        const card = await painter.prepare(template, person, sides);
        const spot = placer.next();
        for (const side of sides) await painter.drawSide(spot(side).page, card, side, spot(side).at);
        printed.push(person.id);
      } catch (err) {
        if (!(err instanceof CardRenderError)) throw err;
        skipped.push({ id: person.id, reason: err.code, message: err.message });
      }
    }
    done++;
    if (done % every === 0) await report();
    await yieldToEventLoop();
  }
  if (done % every !== 0 || done === 0) await report();
  return { pdf: printed.length > 0 ? await doc.save() : null, pages: doc.getPageCount(), printed, skipped };
}

function photoRefusal(person: BatchPerson): SkippedPerson | undefined {
  if (!person.photo || person.photo.length === 0) return { id: person.id, reason: 'no_photo', message: 'has no photo' };
  if (!person.photoApproved) return { id: person.id, reason: 'photo_not_approved', message: 'the photo is not approved yet' };
  return undefined;
}

/** Where one side of a card goes. */
interface Spot {
  readonly page: PDFPage;
  readonly at: { readonly x: number; readonly y: number };
}

interface Placer {
  /** Claims the place of the next card, adding pages as needed; then tells where each side goes. */
  next(): (side: SideName) => Spot;
}

/** One card per CR80 page, its back on the following page: what card printer drivers expect. */
function cardPlacer(doc: PDFDocument, template: CardTemplate, sides: readonly SideName[]): Placer {
  const size = cardSizePt(template);
  return {
    next() {
      const pages = new Map(sides.map((side) => [side, doc.addPage([size.width, size.height])]));
      return (side) => ({ page: pageFor(pages, side), at: { x: 0, y: 0 } });
    },
  };
}

/** Cards in a grid; a sheet of fronts with crop marks, then the same sheet's backs, mirrored. */
function sheetPlacer(doc: PDFDocument, template: CardTemplate, sides: readonly SideName[], paper: 'a4' | 'letter'): Placer {
  const layout = sheetLayout(PAPER_MM[paper], cardSizeMm(template));
  const perSheet = layout.fronts.length;
  let index = perSheet;
  let pages = new Map<SideName, PDFPage>();
  return {
    next() {
      if (index === perSheet) {
        pages = new Map(sides.map((side) => [side, doc.addPage([layout.paper.width, layout.paper.height])]));
        index = 0;
      }
      const i = index++;
      // Marks only where a card is, so a half-empty last sheet does not invite cutting blanks.
      drawCropMarks(pageFor(pages, 'front'), layout.cropMarks[i] ?? []);
      return (side) => ({ page: pageFor(pages, side), at: (side === 'front' ? layout.fronts : layout.backs)[i] ?? { x: 0, y: 0 } });
    },
  };
}

function pageFor(pages: ReadonlyMap<SideName, PDFPage>, side: SideName): PDFPage {
  const page = pages.get(side);
  if (!page) throw new Error(`no ${side} page in this batch`);
  return page;
}

function drawCropMarks(page: PDFPage, marks: readonly Line[]): void {
  for (const mark of marks) page.drawLine({ start: mark.from, end: mark.to, thickness: MARK_WIDTH_PT, color: rgb(0, 0, 0) });
}
