/**
 * GET /v/{code}: what a credential's QR code opens. Public by design (a guard's phone scans it),
 * so it shows only what a door needs: the status now, the holder's name, the organisation. JSON
 * for scanners that ask for it, a page for people. Never cached: a revoked card must fail at the
 * next scan, not after a cache expires.
 */
import type { Context } from 'hono';
import type { CredentialService, Verification } from '../provisioning/credential-service.js';
import { WEB_SECURITY_HEADERS } from './web-app.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const WORDS: Record<Verification['status'], { title: string; colour: string; say: string }> = {
  valid: { title: 'Valid', colour: '#0a7d32', say: 'This credential is valid.' },
  suspended: { title: 'Suspended', colour: '#a15c00', say: 'This credential is suspended: do not accept it.' },
  revoked: { title: 'Revoked', colour: '#b3261e', say: 'This credential is revoked: do not accept it.' },
};

function page(v: Verification | undefined, code: string): string {
  const w = v ? WORDS[v.status] : { title: 'Unknown credential', colour: '#b3261e', say: 'No credential matches this code: do not accept it.' };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(w.title)} · Muster verification</title>
<meta http-equiv="refresh" content="10">
<style>body{font:18px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;max-width:32rem;margin:auto}
.status{background:${w.colour};color:#fff;border-radius:12px;padding:1.5rem;text-align:center}
.status h1{margin:0;font-size:2.2rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{color:#555}</style></head>
<body><main><section class="status" role="status" aria-live="polite"><h1>${esc(w.title)}</h1><p>${esc(w.say)}</p></section>
${v?.photo ? `<p style="text-align:center"><img src="/v/${esc(code)}/photo" alt="Photo of ${esc(v.holder)}" width="240" height="320" style="border-radius:8px;max-width:60%;height:auto"></p>` : ''}
${v ? `<dl><dt>Holder</dt><dd>${esc(v.holder)}</dd><dt>Organisation</dt><dd>${esc(v.organisation)}</dd><dt>Roster</dt><dd>${esc(v.list)}</dd>
<dt>Status since</dt><dd><time datetime="${esc(v.since)}">${esc(v.since.replace('T', ' ').slice(0, 16))} UTC</time></dd>
<dt>Checked</dt><dd><time datetime="${esc(v.checkedAt)}">${esc(v.checkedAt.replace('T', ' ').slice(0, 19))} UTC</time></dd></dl>` : ''}
</main></body></html>`;
}

export function verifyHandler(credentials: CredentialService) {
  return async (c: Context): Promise<Response> => {
    const v = await credentials.verify(c.req.param('code') ?? '', c.req.header('user-agent'));
    const headers = { ...WEB_SECURITY_HEADERS, 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'", 'referrer-policy': 'no-referrer' };
    const status = v ? 200 : 404;
    if ((c.req.header('accept') ?? '').includes('application/json')) {
      return new Response(JSON.stringify(v ?? { status: 'unknown', detail: 'no credential matches this code' }), { status, headers: { ...headers, 'content-type': 'application/json' } });
    }
    return new Response(page(v, c.req.param('code') ?? ''), { status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
  };
}

/** The holder's approved photo, while the credential is valid; 404 otherwise (a revoked card shows no face to match). */
export function verifyPhotoHandler(credentials: CredentialService) {
  return async (c: Context): Promise<Response> => {
    const img = await credentials.verificationPhoto(c.req.param('code') ?? '');
    if (!img) return c.json({ error: 'not_found', detail: 'no photo for this credential' }, 404, { 'cache-control': 'no-store' });
    return new Response(img, { headers: { 'content-type': 'image/jpeg', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } });
  };
}
