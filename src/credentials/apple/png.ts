/**
 * A solid-colour PNG with a lighter inner square, for the pass's icon and logo when the
 * organisation has uploaded none (Wallet refuses a pass without icon.png: Apple, "Creating an
 * Identity Pass" / "Pass Design and Creation", Icon). Truecolour 8-bit, one IDAT, per ISO/IEC 15948.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32.js';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

export type Rgb = readonly [number, number, number];

export function squarePng(width: number, height: number, fg: Rgb, bg: Rgb): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression, filter, interlace: 0
  const inset = Math.floor(Math.min(width, height) / 4);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1); // filter byte 0 (None) at the start of each row
    for (let x = 0; x < width; x++) {
      const inner = x >= inset && x < width - inset && y >= inset && y < height - inset;
      const c = inner ? fg : bg;
      raw[row + 1 + x * 3] = c[0];
      raw[row + 2 + x * 3] = c[1];
      raw[row + 3 + x * 3] = c[2];
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}
