import { describe, expect, it } from 'vitest';
import { blockHeight, layoutText, wrap } from '../../../src/credentials/text-layout.js';

/** A monospaced stand-in font: every character is half the font size wide. */
const measure = (text: string, size: number) => [...text].length * size * 0.5;
const box = { width: 50, height: 12, fontSize: 10, minFontSize: 6, maxLines: 1, measure };

describe('layoutText', () => {
  it('keeps text that fits at its size', () => {
    expect(layoutText('Ada Byron', box)).toEqual({ fontSize: 10, lines: ['Ada Byron'], truncated: false });
  });

  it('shrinks a long name to fit one line rather than cutting it', () => {
    const out = layoutText('Zoë OBrien-Ångström', box); // 19 characters would need 5.26 pt; the minimum is 6
    expect(out.truncated).toBe(true);
    const fits = layoutText('Nguyễn Thị Khai', box); // 15 characters: 15 * 0.5 * s <= 50 => s <= 6.67
    expect(fits).toEqual({ fontSize: 6.5, lines: ['Nguyễn Thị Khai'], truncated: false });
  });

  it('wraps onto maxLines before shrinking', () => {
    const out = layoutText('Nguyễn Thị Minh Khai', { ...box, maxLines: 2, height: 30 });
    expect(out).toEqual({ fontSize: 10, lines: ['Nguyễn Thị', 'Minh Khai'], truncated: false });
  });

  it('shrinks when the lines would be taller than the box', () => {
    const out = layoutText('Nguyễn Thị Minh Khai', { ...box, maxLines: 2, height: 18 });
    expect(out.lines).toHaveLength(2);
    expect(blockHeight(2, out.fontSize)).toBeLessThanOrEqual(18);
    expect(out.fontSize).toBeLessThan(10);
  });

  it('cuts with an ellipsis only when even minFontSize does not fit', () => {
    const out = layoutText('a'.repeat(40), { ...box, width: 30 }); // at 6 pt, 10 characters fit
    expect(out.fontSize).toBe(6);
    expect(out.lines).toEqual(['aaaaaaaaa…']);
    expect(out.truncated).toBe(true);
  });

  it('renders empty text as no lines', () => {
    expect(layoutText('  ', box).lines).toEqual([]);
  });

  it('keeps explicit line breaks and breaks words wider than the box', () => {
    expect(wrap('one\ntwo', 100, 10, measure)).toEqual(['one', 'two']);
    expect(wrap('abcdefghij', 20, 10, measure)).toEqual(['abcd', 'efgh', 'ij']);
    // A decomposed ễ (e + U+0302 + U+0303) stays whole when the word is broken.
    const decomposed = 'Nguye\u0302\u0303n';
    expect(wrap(decomposed, 5 * 5, 10, (t, s) => [...new Intl.Segmenter().segment(t)].length * s * 0.5).join('|')).toBe('Nguye\u0302\u0303|n');
  });
});
