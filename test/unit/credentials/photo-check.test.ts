/**
 * Photo checks against real photographs: the sample pictures that ship in face-api's npm
 * package (read from node_modules at test time, not copied), cut and spoiled with sharp.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPhoto, portraitCrop } from '../../../src/credentials/photo-check.js';

const demo = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
let portrait: Buffer;
let group: Buffer;

beforeAll(async () => {
  // One woman, head and shoulders: a 600 × 800 cut of sample2 (three people, one facing the camera).
  portrait = await sharp(readFileSync(path.join(demo, 'sample2.jpg'))).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg().toBuffer();
  group = readFileSync(path.join(demo, 'sample1.jpg'));
});

const codes = async (b: Buffer) => {
  const r = await checkPhoto(b);
  return r.ok ? [] : r.problems.map((p) => p.code);
};

describe('checkPhoto', () => {
  it('accepts a portrait and normalises it: 600 × 800 JPEG, cropped around the face, no metadata', async () => {
    const r = await checkPhoto(await sharp(portrait).withMetadata({ exif: { IFD0: { Artist: 'someone', Copyright: 'x' } } }).jpeg().toBuffer());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.metrics.faces).toBe(1);
    const meta = await sharp(r.jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 600, 800]);
    expect(meta.exif).toBeUndefined();
  }, 60_000);

  it('stands a sideways phone photo upright from its EXIF orientation', async () => {
    // Stored rotated, with the EXIF tag that tells viewers to turn it back (what phones do).
    const sideways = await sharp(portrait).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect((await sharp(sideways).metadata()).width).toBe(800);
    const r = await checkPhoto(sideways);
    expect(r.ok).toBe(true);
  });

  it('says why a photo fails, in words the person can act on', async () => {
    const none = await checkPhoto(await sharp({ create: { width: 600, height: 800, channels: 3, background: '#888' } }).jpeg().toBuffer());
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.problems.find((p) => p.code === 'no_face')?.message).toMatch(/could not find a face.*Look straight at the camera/);
    expect(await codes(group)).toEqual(expect.arrayContaining(['several_faces']));
    expect(await codes(await sharp(portrait).resize(300).jpeg().toBuffer())).toEqual(['too_small']);
    expect(await codes(await sharp(portrait).blur(1.5).jpeg().toBuffer())).toEqual(['blurry']);
    expect(await codes(await sharp(portrait).linear(0.35, 0).jpeg().toBuffer())).toContain('too_dark');
    expect(await codes(await sharp(portrait).linear(1, 120).jpeg().toBuffer())).toContain('too_bright');
    expect(await codes(Buffer.from('%PDF-1.7 not a photo'))).toEqual(['unreadable']);
  });

  it('refuses odd shapes and tiny strips at once, without the costly steps', async () => {
    const strip = await sharp({ create: { width: 50, height: 80_000, channels: 3, background: '#777' } }).png().toBuffer();
    const t0 = performance.now();
    expect(await codes(strip)).toEqual(['too_small']);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(await codes(await sharp({ create: { width: 1, height: 2000, channels: 3, background: '#777' } }).png().toBuffer())).toEqual(['too_small']);
    expect(await codes(await sharp({ create: { width: 3000, height: 800, channels: 3, background: '#777' } }).jpeg().toBuffer())).toEqual(['bad_shape']);
  });
});

describe('portraitCrop', () => {
  it('frames a face 3:4 with room above, inside the image, or refuses when the face is at the edge', () => {
    const c = portraitCrop({ x: 400, y: 300, width: 200, height: 200, score: 0.9 }, 1200, 1600)!;
    expect(c.width / c.height).toBeCloseTo(0.75, 2);
    expect(c.top).toBe(140);
    expect(c.left + c.width / 2).toBeCloseTo(500, -1);
    // Larger than the image: shrunk to fit, still 3:4.
    const big = portraitCrop({ x: 100, y: 100, width: 400, height: 400, score: 0.9 }, 600, 800)!;
    expect([big.width, big.height]).toEqual([600, 800]);
  });
});
