/**
 * Checks and normalises an ID photo (issue #8): upright (EXIF orientation applied), large
 * enough, neither too dark nor too bright, sharp, exactly one face, then cropped to 3:4 around
 * that face and re-encoded as a JPEG without metadata (no GPS or camera details leave with it).
 * A failed check says why in words the person can act on.
 */
import sharp, { type Sharp } from 'sharp';
import { detectFaces, type FaceBox } from './face-detector.js';
import { PhotoChecksBusyError } from './photo-checks-busy.js';

export interface PhotoRules {
  /** Smallest accepted photo, after rotation (default 600 × 800: a 300 dpi card photo of 51 × 68 mm). */
  readonly minWidth: number;
  readonly minHeight: number;
  /** Accepted mean brightness, 0..255. */
  readonly minBrightness: number;
  readonly maxBrightness: number;
  /**
   * Variance of the Laplacian of the face, scaled to 200 px wide, below which the photo is too
   * blurred. Measured on the face, not the whole photo: a portrait's background is often soft on
   * purpose. A sharp phone portrait measures 60–100; a Gaussian blur of σ 1.5 brings it under 30.
   */
  readonly minSharpness: number;
  /** Size of the normalised photo. */
  readonly outWidth: number;
  readonly outHeight: number;
}

export const DEFAULT_PHOTO_RULES: PhotoRules = {
  minWidth: 600, minHeight: 800, minBrightness: 60, maxBrightness: 210, minSharpness: 30, outWidth: 600, outHeight: 800,
};

export type PhotoProblemCode = 'unreadable' | 'too_small' | 'bad_shape' | 'too_dark' | 'too_bright' | 'blurry' | 'no_face' | 'several_faces' | 'face_too_small' | 'face_cut_off';

export interface PhotoProblem {
  readonly code: PhotoProblemCode;
  /** A sentence for the person taking the photo. */
  readonly message: string;
}

export interface PhotoMetrics {
  readonly width: number;
  readonly height: number;
  readonly brightness: number;
  readonly sharpness: number;
  readonly faces: number;
  readonly face?: FaceBox;
}

export type PhotoCheck =
  | { readonly ok: true; readonly jpeg: Buffer; readonly width: number; readonly height: number; readonly metrics: PhotoMetrics }
  | { readonly ok: false; readonly problems: readonly PhotoProblem[]; readonly metrics?: PhotoMetrics };

/** The detector sees at most this many pixels across: faster, and enough for a portrait. */
const DETECT_MAX = 800;

/**
 * Mean brightness, and the variance of the Laplacian (the usual focus measure: a sharp photo has
 * strong edges, a blurred one almost none), in grey at `width` pixels across. Plain arithmetic
 * over at most a few hundred thousand pixels: a few milliseconds.
 */
export async function measure(img: Sharp, width: number): Promise<{ brightness: number; sharpness: number }> {
  const { data, info } = await img.clone().resize({ width }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const w = info.width, h = info.height, ch = info.channels;
  let sum = 0;
  for (let i = 0; i < w * h; i++) sum += data[i * ch]!;
  let n = 0, mean = 0, m2 = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = (y * w + x) * ch;
      const lap = data[i - ch]! + data[i + ch]! + data[i - w * ch]! + data[i + w * ch]! - 4 * data[i]!;
      n++;
      const d = lap - mean;
      mean += d / n;
      m2 += d * (lap - mean);
    }
  }
  return { brightness: Math.round(sum / (w * h)), sharpness: Math.round(n > 1 ? m2 / (n - 1) : 0) };
}

function clampBox(b: FaceBox, width: number, height: number) {
  const left = Math.max(0, Math.floor(b.x)), top = Math.max(0, Math.floor(b.y));
  return { left, top, width: Math.max(1, Math.min(width - left, Math.round(b.width))), height: Math.max(1, Math.min(height - top, Math.round(b.height))) };
}

/**
 * The 3:4 crop around a face, framed like an ID photo (ICAO 9303 asks for the head to fill about
 * 70 % of the height): the detector's box runs from the brows to the chin, about two thirds of
 * the head, so the photo is 2.6 box heights tall and starts 0.8 box heights above the box.
 */
export function portraitCrop(face: FaceBox, width: number, height: number): { left: number; top: number; width: number; height: number } | undefined {
  let h = Math.round(face.height * 2.6);
  let w = Math.round((h * 3) / 4);
  if (w > width) [w, h] = [width, Math.round((width * 4) / 3)];
  if (h > height) [w, h] = [Math.round((height * 3) / 4), height];
  const cx = face.x + face.width / 2;
  const top = face.y - face.height * 0.8;
  const left = Math.min(Math.max(0, Math.round(cx - w / 2)), width - w);
  const t = Math.min(Math.max(0, Math.round(top)), height - h);
  // The face itself must be inside the crop.
  if (face.x < left - 1 || face.x + face.width > left + w + 1 || face.y < t - 1 || face.y + face.height > t + h + 1) return undefined;
  return { left, top: t, width: w, height: h };
}

/** Photos checked at once; more wait (decoding and face detection take a core each). */
const MAX_CHECKS = 2, MAX_WAITING = 16;
let checking = 0;
const queue: (() => void)[] = [];

export { PhotoChecksBusyError } from './photo-checks-busy.js';

export async function checkPhoto(input: Uint8Array, rules: PhotoRules = DEFAULT_PHOTO_RULES): Promise<PhotoCheck> {
  if (checking >= MAX_CHECKS) {
    if (queue.length >= MAX_WAITING) throw new PhotoChecksBusyError();
    await new Promise<void>((resolve) => queue.push(resolve));
  }
  checking++;
  try {
    return await check(input, rules);
  } catch {
    // sharp refuses some files only mid-pipeline (a truncated JPEG, an odd colour space): the person hears "unreadable", never a 500.
    return { ok: false, problems: [UNREADABLE] };
  } finally {
    checking--;
    queue.shift()?.();
  }
}

const UNREADABLE: PhotoProblem = { code: 'unreadable', message: 'This file is not a photo we can read. Send a JPEG, PNG, WebP or AVIF image.' };

async function check(input: Uint8Array, rules: PhotoRules): Promise<PhotoCheck> {
  let upright: Sharp, width: number, height: number;
  try {
    // 40 megapixels is more than any phone camera; beyond it, decoding is a denial of service.
    const meta = await sharp(input, { failOn: 'error', limitInputPixels: 40_000_000 }).metadata();
    if (!meta.width || !meta.height) return { ok: false, problems: [UNREADABLE] };
    // rotate() with no angle applies the EXIF orientation, so a phone photo taken sideways stands up.
    const buf = await sharp(input, { failOn: 'error', limitInputPixels: 40_000_000 }).rotate().toBuffer({ resolveWithObject: true });
    upright = sharp(buf.data);
    ({ width, height } = buf.info);
  } catch {
    return { ok: false, problems: [UNREADABLE] };
  }
  // Too small or oddly shaped: say so before any costly step (a 50 × 80,000 strip must not be enlarged to 600 wide).
  if (width < rules.minWidth || height < rules.minHeight) {
    return { ok: false, problems: [{ code: 'too_small', message: `The photo is ${width} × ${height} pixels; it must be at least ${rules.minWidth} × ${rules.minHeight}. Use the camera's normal (not reduced) resolution, and hold the phone upright.` }] };
  }
  const ratio = width / height;
  if (ratio < 0.4 || ratio > 2.5) {
    return { ok: false, problems: [{ code: 'bad_shape', message: `The photo is ${width} × ${height} pixels, an unusual shape for a portrait. Take an ordinary photo, phone upright.` }] };
  }
  const problems: PhotoProblem[] = [];
  const scale = Math.min(1, DETECT_MAX / Math.max(width, height));
  const small = await upright.clone().resize({ width: Math.max(1, Math.round(width * scale)) }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const faces = (await detectFaces({ data: new Uint8Array(small.data), width: small.info.width, height: small.info.height }))
    .map((f) => ({ ...f, x: f.x / scale, y: f.y / scale, width: f.width / scale, height: f.height / scale }));
  // Light and focus are judged on the face when there is one: a bright window behind a dark face is a dark photo.
  const face = faces.length === 1 ? faces[0]! : undefined;
  const region = face ? clampBox(face, width, height) : undefined;
  const { brightness, sharpness } = region
    ? await measure(upright.clone().extract(region), 200)
    : await measure(upright, 600);
  if (brightness < rules.minBrightness) problems.push({ code: 'too_dark', message: 'The photo is too dark. Face a window or a lamp, and avoid light from behind you.' });
  if (brightness > rules.maxBrightness) problems.push({ code: 'too_bright', message: 'The photo is too bright. Move out of direct sunlight or turn the flash off.' });
  // Without a face, only an extremely soft photo is called blurred (the whole-photo measure is lower).
  if (face ? sharpness < rules.minSharpness : sharpness < rules.minSharpness / 4) {
    problems.push({ code: 'blurry', message: 'The photo is blurred. Hold the camera still, tap your face to focus, and try again.' });
  }
  const metrics: PhotoMetrics = { width, height, brightness, sharpness, faces: faces.length, ...(faces[0] ? { face: faces[0] } : {}) };
  if (faces.length === 0) problems.push({ code: 'no_face', message: 'We could not find a face. Look straight at the camera, with your whole face in the picture and nothing covering it.' });
  if (faces.length > 1) problems.push({ code: 'several_faces', message: 'There is more than one face in the photo. Take it with only you in the picture.' });
  if (problems.length) return { ok: false, problems, metrics };

  const crop = portraitCrop(face!, width, height);
  if (!crop) return { ok: false, problems: [{ code: 'face_cut_off', message: 'Your face is too close to the edge. Step back a little and centre your face.' }], metrics };
  // Enlarging a small crop more than 2× gives a soft, blocky card photo.
  if (crop.width * 2 < rules.outWidth || crop.height * 2 < rules.outHeight) {
    return { ok: false, problems: [{ code: 'face_too_small', message: 'Your face is too small in the photo. Come closer, so your head and shoulders fill the picture.' }], metrics };
  }
  const jpeg = await upright.clone().extract(crop).resize(rules.outWidth, rules.outHeight).flatten({ background: '#ffffff' }).jpeg({ quality: 90, mozjpeg: true }).toBuffer();
  return { ok: true, jpeg, width: rules.outWidth, height: rules.outHeight, metrics };
}
