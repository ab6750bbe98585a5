/**
 * The pixel size an image file declares, read from its header without decoding it, and the
 * largest card artwork Muster accepts (issue 12, defect 5: a 10 KB PNG declaring 8000 × 8000
 * pixels held the event loop for 19 s and 300 MB while pdf-lib decoded it). Decoding cost and
 * memory follow the declared size, not the file size, so the size is checked first.
 */

/**
 * Longest side of card artwork, in pixels. A CR80 card (85.60 × 53.98 mm, ISO/IEC 7810 ID-1) is
 * 2,022 × 1,275 pixels at 600 dpi, the finest resolution card printers print at; 4,096 leaves
 * room for artwork made at twice that.
 */
export const MAX_IMAGE_SIDE_PX = 4096;
/** Pixels of card artwork in all (a full card at 1,200 dpi is about 10 megapixels). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** Width and height from a PNG's IHDR chunk (PNG spec §11.2.2: the first chunk, right after the signature). */
function pngSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 24) return undefined;
  // Bytes 12..15 name the first chunk: "IHDR".
  if (b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/**
 * Width and height from a JPEG's start-of-frame segment (ITU-T T.81 §B.2.2), walking the marker
 * segments before it by their lengths: linear in the header, no entropy-coded data read.
 */
function jpegSize(b: Uint8Array): ImageSize | undefined {
  let i = 2; // after SOI (FF D8)
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or start of scan before any frame
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    if (length < 2) return undefined;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) return undefined;
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    }
    i += 2 + length;
  }
  return undefined;
}

/** The declared size of a PNG or JPEG, or undefined when the header cannot be read. */
export function imageSize(bytes: Uint8Array): ImageSize | undefined {
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return pngSize(bytes);
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegSize(bytes);
  return undefined;
}

/** Why an image cannot be card artwork (unreadable size, empty, or too large), or undefined when it can. */
export function imageSizeProblem(bytes: Uint8Array): string | undefined {
  const size = imageSize(bytes);
  if (!size) return 'has no readable PNG or JPEG header (its width and height cannot be read)';
  const { width, height } = size;
  if (width === 0 || height === 0) return `declares ${width} × ${height} pixels: an empty image`;
  if (width > MAX_IMAGE_SIDE_PX || height > MAX_IMAGE_SIDE_PX || width * height > MAX_IMAGE_PIXELS) {
    return `is ${width} × ${height} pixels; card artwork may be at most ${MAX_IMAGE_SIDE_PX} pixels on a side (a whole card at 600 dpi is 2022 × 1275): scale it down before uploading`;
  }
  return undefined;
}
