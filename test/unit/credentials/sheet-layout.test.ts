import { describe, expect, it } from 'vitest';
import { MIN_MARGIN_MM, sheetLayout } from '../../../src/credentials/sheet-layout.js';
import { CR80_MM, PAPER_MM, mmToPt } from '../../../src/credentials/units.js';

const portraitCard = { width: CR80_MM.height, height: CR80_MM.width };

describe('sheetLayout', () => {
  it('fits 2 × 5 landscape cards on A4 and 2 × 4 on Letter', () => {
    expect(sheetLayout(PAPER_MM.a4, CR80_MM)).toMatchObject({ columns: 2, rows: 5 });
    expect(sheetLayout(PAPER_MM.letter, CR80_MM)).toMatchObject({ columns: 2, rows: 4 });
    expect(sheetLayout(PAPER_MM.a4, portraitCard)).toMatchObject({ columns: 3, rows: 3 });
  });

  it('gives page and card sizes in points', () => {
    const a4 = sheetLayout(PAPER_MM.a4, CR80_MM);
    expect(a4.paper.width).toBeCloseTo(595.28, 2);
    expect(a4.paper.height).toBeCloseTo(841.89, 2);
    expect(a4.card.width).toBeCloseTo(242.65, 2);
    expect(a4.card.height).toBeCloseTo(153.01, 2);
  });

  for (const [paperName, paper] of Object.entries(PAPER_MM)) {
    for (const [cardName, card] of [['landscape', CR80_MM], ['portrait', portraitCard]] as const) {
      it(`keeps ${cardName} cards on ${paperName} inside the margins, apart, and their marks off every card`, () => {
        const l = sheetLayout(paper, card);
        const m = mmToPt(MIN_MARGIN_MM) - 1e-6;
        const cards = l.fronts.map((p) => ({ x0: p.x, y0: p.y, x1: p.x + l.card.width, y1: p.y + l.card.height }));
        for (const c of cards) {
          expect(c.x0).toBeGreaterThanOrEqual(m);
          expect(c.y0).toBeGreaterThanOrEqual(m);
          expect(c.x1).toBeLessThanOrEqual(l.paper.width - m);
          expect(c.y1).toBeLessThanOrEqual(l.paper.height - m);
        }
        cards.forEach((a, i) => cards.slice(i + 1).forEach((b) => expect(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0).toBe(true)));
        // Every mark is on the paper, outside every card (touching an edge's extension is fine).
        expect(l.cropMarks).toHaveLength(cards.length);
        for (const mark of l.cropMarks.flat()) {
          for (const p of [mark.from, mark.to, { x: (mark.from.x + mark.to.x) / 2, y: (mark.from.y + mark.to.y) / 2 }]) {
            expect(p.x).toBeGreaterThan(0);
            expect(p.y).toBeGreaterThan(0);
            for (const c of cards) expect(p.x > c.x0 + 1e-6 && p.x < c.x1 - 1e-6 && p.y > c.y0 + 1e-6 && p.y < c.y1 - 1e-6).toBe(false);
            const onCard = cards.some((c) => p.x >= c.x0 - 1e-6 && p.x <= c.x1 + 1e-6 && p.y >= c.y0 - 1e-6 && p.y <= c.y1 + 1e-6);
            expect(onCard).toBe(false);
          }
        }
      });
    }
  }

  it('puts crop marks on the lines of the card edges', () => {
    const l = sheetLayout(PAPER_MM.a4, CR80_MM);
    const first = l.fronts[0]!;
    const marks = l.cropMarks[0]!;
    expect(marks).toHaveLength(8);
    // The top-left corner: one horizontal mark on the top edge's line, one vertical on the left edge's.
    expect(marks.some((m) => m.from.y === first.y + l.card.height && m.to.y === m.from.y && m.to.x < first.x)).toBe(true);
    expect(marks.some((m) => m.from.x === first.x && m.to.x === m.from.x && m.from.y > first.y + l.card.height)).toBe(true);
  });

  it('mirrors the backs left to right for long-edge duplex', () => {
    const l = sheetLayout(PAPER_MM.a4, CR80_MM);
    l.fronts.forEach((front, i) => {
      const back = l.backs[i]!;
      expect(back.y).toBe(front.y);
      expect(back.x + l.card.width).toBeCloseTo(l.paper.width - front.x, 6);
    });
    // The first card's back (top-left front) is in the top-right slot.
    expect(l.backs[0]!.x).toBeCloseTo(l.fronts[1]!.x, 6);
  });
});
