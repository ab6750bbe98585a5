/**
 * A .pkpass bundle: pass.json, the images, manifest.json (the SHA-1 of every file, hex) and the
 * detached signature of the manifest, zipped (Wallet Developer Guide, "Building Your First Pass":
 * "the manifest is a JSON dictionary of the SHA-1 hashes of each file in the pass"; the
 * signature covers the manifest only, and the manifest and signature are not in the manifest).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { PassSigningMaterial } from './pass-certificate.js';
import { passJson, PASS_BACKGROUND, PASS_FOREGROUND, type PassContent } from './pass-json.js';
import { signManifest } from './pass-signature.js';
import { squarePng } from './png.js';
import { zip, type ZipEntry } from './zip-writer.js';

/** Sizes from Apple's "Pass Design and Creation" › "Images": icon 29×29, logo ≤160×50, thumbnail 90×90 points. */
// The logo is drawn square at the area's height: Wallet scales it into 160×50 with logoText beside it.
const ICON = 29, LOGO_H = 50, THUMB = 90;

/** The holder's photo as the generic pass's thumbnail at 1× and 2×, cropped square around faces' usual place. */
export async function thumbnails(photo: Buffer): Promise<{ png1x: Buffer; png2x: Buffer }> {
  const png = (px: number) => sharp(photo).rotate().resize(px, px, { fit: 'cover', position: 'attention' }).png().toBuffer();
  return { png1x: await png(THUMB), png2x: await png(THUMB * 2) };
}

/** The organisation's logo (PNG at 2x, fitted in 320×100) as logo.png and logo@2x.png. */
export async function logos(png2x: Buffer): Promise<{ png1x: Buffer; png2x: Buffer }> {
  const meta = await sharp(png2x).metadata();
  const png1x = await sharp(png2x).resize({ width: Math.max(1, Math.round((meta.width ?? 2) / 2)), height: Math.max(1, Math.round((meta.height ?? 2) / 2)) }).png().toBuffer();
  return { png1x, png2x };
}

export interface PkpassInput {
  readonly content: PassContent;
  /** The organisation's logo; without it, a plain square in the pass's colours. */
  readonly logo?: { readonly png1x: Buffer; readonly png2x: Buffer };
  readonly signing: PassSigningMaterial;
  readonly thumbnail?: { readonly png1x: Buffer; readonly png2x: Buffer };
  readonly now?: Date;
}

export interface Pkpass {
  readonly bytes: Buffer;
  /** The files as zipped, for tests and diagnostics. */
  readonly files: ReadonlyMap<string, Buffer>;
}

export function buildPkpass(input: PkpassInput): Pkpass {
  const now = input.now ?? new Date();
  const files = new Map<string, Buffer>();
  files.set('pass.json', Buffer.from(JSON.stringify(passJson(input.content), null, 2), 'utf8'));
  const fg = input.content.foregroundColor ?? PASS_FOREGROUND, bg = input.content.backgroundColor ?? PASS_BACKGROUND;
  files.set('icon.png', squarePng(ICON, ICON, fg, bg));
  files.set('icon@2x.png', squarePng(ICON * 2, ICON * 2, fg, bg));
  files.set('logo.png', input.logo?.png1x ?? squarePng(LOGO_H, LOGO_H, fg, bg));
  files.set('logo@2x.png', input.logo?.png2x ?? squarePng(LOGO_H * 2, LOGO_H * 2, fg, bg));
  if (input.thumbnail) {
    files.set('thumbnail.png', input.thumbnail.png1x);
    files.set('thumbnail@2x.png', input.thumbnail.png2x);
  }
  const manifest: Record<string, string> = {};
  for (const [name, data] of files) manifest[name] = createHash('sha1').update(data).digest('hex');
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  files.set('manifest.json', manifestBytes);
  files.set('signature', signManifest(manifestBytes, input.signing, now));
  const entries: ZipEntry[] = [...files].map(([name, data]) => ({ name, data }));
  return { bytes: zip(entries, now), files };
}
