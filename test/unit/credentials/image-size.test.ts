import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_SIDE_PX, imageSize, imageSizeProblem } from '../../../src/credentials/image-size.js';

describe('imageSize reads the declared size from the header alone', () => {
  it('PNG and JPEG (baseline and progressive, after APPn segments) as encoded by sharp', async () => {
    const img = sharp({ create: { width: 37, height: 21, channels: 3, background: '#336699' } });
    expect(imageSize(await img.clone().png().toBuffer())).toEqual({ width: 37, height: 21 });
    expect(imageSize(await img.clone().jpeg().toBuffer())).toEqual({ width: 37, height: 21 });
    expect(imageSize(await img.clone().jpeg({ progressive: true }).withMetadata().toBuffer())).toEqual({ width: 37, height: 21 });
  });

  it('undefined for truncated or foreign headers, never a throw', () => {
    expect(imageSize(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(imageSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeUndefined();
    expect(imageSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0xff, 0xc0]))).toBeUndefined();
    expect(imageSize(new TextEncoder().encode('GIF89a......'))).toBeUndefined();
  });

  it('names the size and the limit for artwork past it', () => {
    const sof = (w: number, h: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xc2, 0x00, 0x11, 8, h >> 8, h & 0xff, w >> 8, w & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    expect(imageSizeProblem(sof(MAX_IMAGE_SIDE_PX, 100))).toBeUndefined();
    expect(imageSizeProblem(sof(MAX_IMAGE_SIDE_PX + 1, 100))).toContain(`${MAX_IMAGE_SIDE_PX + 1} × 100`);
    expect(imageSizeProblem(sof(0, 100))).toContain('empty');
  });
});
