/**
 * Serves the admin web app (web/, built by Vite into dist/web) at `/`: files by path, and
 * index.html for any other page path so the app's own router can answer it (a reload on
 * /lists/…/people works). API, SCIM and health paths never reach here.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
};

/**
 * The app needs nothing from another origin. style-src allows inline style attributes (React's
 * `style={…}` for progress bars); scripts only from Muster itself.
 */
export const WEB_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Muster</title></head><body>
<h1>Muster is running, but its web app is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>) and reload. The SCIM and admin APIs work without it.</p></body></html>`;

export function webApp(root: string | undefined) {
  const base = root ? path.resolve(root) : undefined;
  let indexCache: string | undefined;
  const index = async (): Promise<string | undefined> => {
    if (!base) return undefined;
    try {
      return (indexCache ??= await readFile(path.join(base, 'index.html'), 'utf8'));
    } catch {
      return undefined;
    }
  };

  return async (c: Context): Promise<Response> => {
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text('bad path', 400);
    }
    if (base && rel !== '/' && !rel.includes('\0')) {
      const file = path.resolve(base, '.' + rel);
      // Never outside the build directory (../ in a path is resolved away above, then checked).
      if (file.startsWith(base + path.sep)) {
        const st = await stat(file).catch(() => undefined);
        if (st?.isFile()) {
          const body = await readFile(file);
          const hashed = rel.startsWith('/assets/');
          return new Response(body, {
            headers: {
              ...WEB_SECURITY_HEADERS, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
              'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
            },
          });
        }
      }
      // A missing asset is a 404, not the app: a browser asking for /assets/x.js must not get HTML.
      if (path.extname(rel) !== '') return c.json({ error: 'not_found', detail: `nothing at ${rel}` }, 404);
    }
    const html = await index();
    return new Response(html ?? NOT_BUILT, {
      status: html ? 200 : 503,
      headers: { ...WEB_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
    });
  };
}
