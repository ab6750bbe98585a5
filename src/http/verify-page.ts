/**
 * GET /v/{code}: what a credential's QR code opens. Public by design (a guard's phone scans it),
 * so it shows only what a door needs: the status now, the holder's name, the organisation. JSON
 * for scanners that ask for it, a page for people. Never cached: a revoked card must fail at the
 * next scan, not after a cache expires.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { CredentialService, Verification } from '../credentials/credential-service.js';
import { WEB_SECURITY_HEADERS } from './web-app.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const WORDS: Record<Verification['status'], { title: string; say: string }> = {
  valid: { title: 'Valid', say: 'This credential is valid.' },
  suspended: { title: 'Suspended', say: 'This credential is suspended: do not accept it.' },
  revoked: { title: 'Revoked', say: 'This credential is revoked: do not accept it.' },
};

/**
 * Keeps an open page current (a guard may leave it open) without reloading it: every 10 s it asks
 * the same URL again and, when the status changed, updates the status in place, where the live
 * region announces it, and the details under it; otherwise only the "Checked" time. A reload
 * (meta refresh) would restart a screen reader from the top and move focus every 10 s (WCAG 2.2.1);
 * browsers without script still get one, in <noscript>. "Pause updates" stops it (WCAG 2.2.2).
 * Constant text: the Content-Security-Policy allows exactly this script by its hash.
 */
const LIVE_SCRIPT = `(function () {
  var paused = false, timer = 0;
  var status = document.getElementById('status'), details = document.getElementById('details');
  var note = document.getElementById('updates'), button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Pause updates';
  button.addEventListener('click', function () {
    paused = !paused;
    button.textContent = paused ? 'Resume updates' : 'Pause updates';
    note.firstChild.textContent = paused ? 'Updates are paused. ' : 'This page checks again every 10 seconds. ';
    if (!paused) check();
  });
  note.appendChild(button);
  function check() {
    clearTimeout(timer);
    fetch(location.pathname, { cache: 'no-store', headers: { accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (paused) return;
        var next = new DOMParser().parseFromString(html, 'text/html');
        var nextStatus = next.getElementById('status'), nextDetails = next.getElementById('details');
        if (!nextStatus || !nextDetails) return;
        if (nextStatus.className !== status.className || nextStatus.textContent !== status.textContent) {
          status.className = nextStatus.className;
          status.innerHTML = nextStatus.innerHTML;
          details.innerHTML = nextDetails.innerHTML;
          document.title = next.title;
        } else {
          var checked = document.getElementById('checked'), nextChecked = next.getElementById('checked');
          if (checked && nextChecked) checked.outerHTML = nextChecked.outerHTML;
        }
      })
      .catch(function () { /* offline for a moment: the next check tries again */ })
      .then(function () { if (!paused) timer = setTimeout(check, 10000); });
  }
  timer = setTimeout(check, 10000);
})();`;
const LIVE_SCRIPT_HASH = createHash('sha256').update(LIVE_SCRIPT).digest('base64');

/* Status colours with white text at 4.5:1 or more (WCAG 1.4.3). */
const STYLE = `body{font:18px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;max-width:32rem;margin:auto;color:#1b1b1b}
.status{color:#fff;border-radius:12px;padding:1.5rem;text-align:center}.s-valid{background:#0a7d32}.s-suspended{background:#a15c00}
.s-revoked,.s-unknown{background:#b3261e}.status h1{margin:0;font-size:2.2rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}
dt{color:#555}.updates{color:#555;font-size:.9rem;text-align:center}.updates button{font:inherit;margin-left:.3rem;padding:.3rem .7rem;border-radius:6px;border:1px solid #555;background:#fff;color:#1b1b1b}
.updates button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}`;

function page(v: Verification | undefined, code: string): string {
  const w = v ? WORDS[v.status] : { title: 'Unknown credential', say: 'No credential matches this code: do not accept it.' };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(w.title)} · Muster verification</title>
<noscript><meta http-equiv="refresh" content="10"></noscript>
<style>${STYLE}</style></head>
<body><main><section id="status" class="status s-${v?.status ?? 'unknown'}" role="status" aria-live="polite"><h1>${esc(w.title)}</h1><p>${esc(w.say)}</p></section>
<div id="details">
${v?.photo ? `<p style="text-align:center"><img src="/v/${esc(code)}/photo" alt="Photo of ${esc(v.holder)}" width="240" height="320" style="border-radius:8px;max-width:60%;height:auto"></p>` : ''}
${v ? `<dl><dt>Holder</dt><dd>${esc(v.holder)}</dd><dt>Organisation</dt><dd>${esc(v.organisation)}</dd><dt>Roster</dt><dd>${esc(v.list)}</dd>
<dt>Status since</dt><dd><time datetime="${esc(v.since)}">${esc(v.since.replace('T', ' ').slice(0, 16))} UTC</time></dd>
<dt>Checked</dt><dd><time id="checked" datetime="${esc(v.checkedAt)}">${esc(v.checkedAt.replace('T', ' ').slice(0, 19))} UTC</time></dd></dl>` : ''}
</div>
<p class="updates" id="updates">This page checks again every 10 seconds. </p>
</main><script>${LIVE_SCRIPT}</script></body></html>`;
}

export function verifyHandler(credentials: CredentialService) {
  return async (c: Context): Promise<Response> => {
    const v = await credentials.verify(c.req.param('code') ?? '', c.req.header('user-agent'));
    const headers = { ...WEB_SECURITY_HEADERS, 'cache-control': 'no-store', 'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; script-src 'sha256-${LIVE_SCRIPT_HASH}'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'`, 'referrer-policy': 'no-referrer' };
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
