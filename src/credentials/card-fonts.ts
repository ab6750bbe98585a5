/**
 * The typeface of every card: DejaVu Sans, regular and bold, from the `dejavu-fonts-ttf`
 * package. Chosen for coverage, not looks: Latin with every European diacritic (Łukasz Żółć,
 * Zoë O'Brien-Ångström), Vietnamese (Nguyễn Thị Minh Khai), Greek and Cyrillic in one free
 * font (Bitstream Vera licence, embedding allowed), so no name on a roster falls back to
 * empty boxes. PDF's standard 14 fonts cover WinAnsi only and would fail on all of those.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface CardFontFiles {
  readonly regular: Uint8Array;
  readonly bold: Uint8Array;
}

let loading: Promise<CardFontFiles> | undefined;

/** The TTF files, read once per process (about 1.4 MB together) and shared by every render. */
export function loadCardFonts(): Promise<CardFontFiles> {
  loading ??= (async () => {
    // Resolved through the package, not a path relative to this file, so it works from src/
    // under tsx and vitest and from dist/ after a build.
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    const [regular, bold] = await Promise.all([readFile(path.join(dir, 'DejaVuSans.ttf')), readFile(path.join(dir, 'DejaVuSans-Bold.ttf'))]);
    return { regular: new Uint8Array(regular), bold: new Uint8Array(bold) };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
