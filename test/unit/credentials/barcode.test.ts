import { describe, expect, it } from 'vitest';
import { type BarcodeVector, barcodeToSvg, encodeBarcode, placeBarcode } from '../../../src/credentials/barcode.js';

function encode(...args: Parameters<typeof encodeBarcode>): BarcodeVector {
  const result = encodeBarcode(...args);
  if (!result.ok) throw new Error(result.message);
  return result.barcode;
}

/** The grid of dark modules, to compare symbols and check finder patterns. */
function grid(b: BarcodeVector): boolean[][] {
  const g = Array.from({ length: b.rows }, () => Array<boolean>(b.columns).fill(false));
  for (const bar of b.bars) {
    for (let y = bar.y; y < bar.y + bar.height; y++) for (let x = bar.x; x < bar.x + bar.width; x++) (g[y] as boolean[])[x] = true;
  }
  return g;
}

describe('encodeBarcode', () => {
  it('encodes a verification URL as a square QR symbol with its finder patterns', () => {
    const qr = encode('qr', 'https://muster.example/v/8f3a9c0d');
    expect(qr.linear).toBe(false);
    expect(qr.columns).toBe(qr.rows);
    expect((qr.columns - 17) % 4).toBe(0); // QR versions are 21, 25, 29, … modules wide
    expect(qr.quietZone).toBe(4);
    const g = grid(qr);
    // The top-left finder pattern: a 7 × 7 dark ring around a light ring around a 3 × 3 core.
    expect(g[0]?.slice(0, 7)).toEqual(Array(7).fill(true));
    expect(g[1]?.slice(0, 7)).toEqual([true, false, false, false, false, false, true]);
    expect(g[3]?.slice(0, 7)).toEqual([true, false, true, true, true, false, true]);
    expect(g[0]?.slice(-7)).toEqual(Array(7).fill(true));
    expect(g[qr.rows - 1]?.slice(0, 7)).toEqual(Array(7).fill(true));
  });

  it('gives different symbols for different data and the same symbol for the same data', () => {
    const a = grid(encode('qr', 'E-00042'));
    expect(grid(encode('qr', 'E-00042'))).toEqual(a);
    expect(grid(encode('qr', 'E-00043'))).not.toEqual(a);
    expect(encode('code128', 'E-00042').bars).not.toEqual(encode('code128', 'E-00043').bars);
    expect(grid(encode('pdf417', 'E-00042'))).not.toEqual(grid(encode('pdf417', 'E-00043')));
  });

  it('grows QR with the data', () => {
    expect(encode('qr', 'x'.repeat(200)).columns).toBeGreaterThan(encode('qr', 'x').columns);
  });

  it('encodes Code 128 as bars on whole modules, starting and ending with a bar', () => {
    const c = encode('code128', 'E12345');
    expect(c.linear).toBe(true);
    expect(c.rows).toBe(1);
    expect(c.quietZone).toBe(10);
    expect(c.bars[0]?.x).toBe(0);
    const last = c.bars[c.bars.length - 1];
    expect(last && last.x + last.width).toBe(c.columns);
    // Start B (11 modules) + 6 characters (Code C pairs them: 3 × 11) + check (11) + stop (13) in some mix.
    for (const b of c.bars) expect(Number.isInteger(b.x) && b.width >= 1 && b.width <= 4).toBe(true);
  });

  it('encodes PDF417 as rows of square modules, wider than tall', () => {
    const p = encode('pdf417', 'E12345 Łukasz Żółć');
    expect(p.linear).toBe(false);
    expect(p.columns).toBeGreaterThan(p.rows);
    expect(p.rows % 3).toBe(0); // each codeword row is three modules tall
    expect(p.quietZone).toBe(2);
  });

  it('says why data cannot be encoded', () => {
    expect(encodeBarcode('qr', '')).toEqual({ ok: false, message: 'barcode data is empty' });
    expect(encodeBarcode('code128', 'Łukasz')).toEqual({ ok: false, message: 'code128 cannot encode "Ł": use qr or pdf417 for text beyond Latin-1' });
    const tooLong = encodeBarcode('qr', 'x'.repeat(5000));
    expect(tooLong.ok).toBe(false);
    expect(!tooLong.ok && tooLong.message).toMatch(/^qr cannot encode this data: .*length/i);
    expect(encodeBarcode('qr', 'Nguyễn Thị Minh Khai').ok).toBe(true);
  });
});

describe('placeBarcode', () => {
  it('keeps QR modules square and centred in a wide box, quiet zone inside', () => {
    const qr = encode('qr', 'E-00042'); // 21 modules + 2 × 4 quiet = 29
    const p = placeBarcode(qr, { width: 58, height: 29 });
    expect(p.moduleWidth).toBe(1);
    expect(p.moduleHeight).toBe(1);
    expect(p.x).toBe((58 - 21) / 2);
    expect(p.y).toBe(4);
  });

  it('stretches Code 128 bars to the box height and leaves the quiet zone on the sides', () => {
    const c = encode('code128', 'E12345');
    const p = placeBarcode(c, { width: c.columns + 20, height: 12 });
    expect(p).toEqual({ x: 10, y: 0, moduleWidth: 1, moduleHeight: 12 });
  });
});

describe('barcodeToSvg', () => {
  it('draws the same modules as an SVG path for the editor preview', () => {
    const svg = barcodeToSvg(encode('qr', 'E-00042'), { width: 29, height: 29 });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 29 29"/);
    expect(svg).toContain('<rect width="29" height="29" fill="#ffffff"/>');
    expect(svg).toContain('M4 4h7v1h-7z'); // the top edge of the top-left finder pattern
    expect(svg).not.toBe(barcodeToSvg(encode('qr', 'E-00043'), { width: 29, height: 29 }));
  });
});
