/**
 * Real photographs for the photo, card and wallet tests: the sample pictures that ship inside
 * face-api's npm package, read from node_modules at test time (never copied into the project).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const demo = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

let cached: Promise<Buffer> | undefined;

/** One woman, head and shoulders, 600 × 800: a cut of sample2 (three people, one facing the camera) that passes every check. */
export function portrait(): Promise<Buffer> {
  return (cached ??= sharp(readFileSync(path.join(demo, 'sample2.jpg'))).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg().toBuffer());
}

/** Three people in a dim room: refused (several faces, too dark). */
export function groupPhoto(): Buffer {
  return readFileSync(path.join(demo, 'sample1.jpg'));
}
