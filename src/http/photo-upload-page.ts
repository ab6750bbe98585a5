/**
 * /p/{secret}: the self-upload page a person opens from the link their administrator sent. A
 * plain HTML form (no script), usable on a phone: the file input opens the front camera. Every
 * answer is in words the person can act on; nothing about other people is ever shown.
 */
import type { Context } from 'hono';
import { MAX_PHOTO_BYTES, PhotoError, type PhotoService } from '../credentials/photo-service.js';
import { readBytes } from './body.js';
import { WEB_SECURITY_HEADERS } from './web-app.js';
import { ScimError } from '../scim/errors.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const BASE_HEADERS = {
  ...WEB_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  // The secret is in the path: never send it to another site in a Referer.
  'referrer-policy': 'no-referrer',
};
/** A fresh object per response: @hono/node-server writes content-length into the headers object it is given. */
const headers = () => ({ ...BASE_HEADERS });

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Muster</title><style>
body{font:17px/1.5 system-ui,sans-serif;margin:0;padding:1.25rem;max-width:34rem;margin:auto;color:#1b1b1b}
h1{font-size:1.5rem}.notice{border-radius:10px;padding:1rem;margin:1rem 0}.ok{background:#e5f5ea}.bad{background:#fdecea}
label{display:block;margin:1rem 0 .25rem;font-weight:600}input[type=file]{font-size:1rem;width:100%}
button{font-size:1.1rem;padding:.8rem 1.2rem;border-radius:8px;border:0;background:#1d4ed8;color:#fff;width:100%;margin-top:1.25rem}
button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}.consent{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}
.consent input{width:1.4rem;height:1.4rem;flex:none;margin-top:.15rem}ul{padding-left:1.2rem}</style></head>
<body><main>${body}</main></body></html>`;
}

function form(name: string, organisation: string, consentText: string | null, attemptsLeft: number, lastRejection: string | null, problems?: string): string {
  return `<h1>Your ID photo for ${esc(organisation)}</h1>
<p>Hello ${esc(name)}. Send a photo of yourself for your ID card.</p>
${lastRejection ? `<div class="notice bad" role="alert"><strong>Your last photo was not accepted:</strong> ${esc(lastRejection)}</div>` : ''}
${problems ? `<div class="notice bad" role="alert"><strong>This photo cannot be used.</strong> ${esc(problems)}</div>` : ''}
<ul><li>Face the camera, in good light, against a plain background.</li><li>Only you in the picture, head and shoulders.</li><li>No sunglasses or hat; hold the phone still.</li></ul>
<form method="post" enctype="multipart/form-data">
<label for="photo">Your photo</label>
<input id="photo" name="photo" type="file" accept="image/*" capture="user" required>
${consentText ? `<label class="consent"><input type="checkbox" name="consent" value="yes" required> <span>${esc(consentText)}</span></label>` : ''}
<button type="submit">Send photo</button>
<p><small>${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left with this link.</small></p>
</form>`;
}

export function photoUploadPage(photos: PhotoService) {
  const failure = (err: unknown): Response => {
    if (err instanceof PhotoError) return new Response(shell('Link not usable', `<h1>This link cannot be used</h1><div class="notice bad" role="alert">${esc(err.message)}</div>`), { status: err.status, headers: headers() });
    throw err;
  };
  return {
    get: async (c: Context): Promise<Response> => {
      try {
        const { link, name, organisation, lastRejection } = await photos.openLink(c.req.param('secret') ?? '');
        return new Response(shell('Your ID photo', form(name, organisation, link.consent_text, link.attempts_left, lastRejection)), { headers: headers() });
      } catch (err) {
        return failure(err);
      }
    },
    post: async (c: Context): Promise<Response> => {
      const secret = c.req.param('secret') ?? '';
      let opened;
      try {
        opened = await photos.openLink(secret);
      } catch (err) {
        return failure(err);
      }
      let file: Uint8Array | undefined, consent = false;
      try {
        const raw = await readBytes(c.req.raw, MAX_PHOTO_BYTES + 65_536);
        const fd = await new Response(raw, { headers: { 'content-type': c.req.header('content-type') ?? '' } }).formData();
        const f = fd.get('photo');
        if (f && typeof f !== 'string') file = new Uint8Array(await f.arrayBuffer());
        consent = fd.get('consent') === 'yes';
      } catch (err) {
        const why = err instanceof ScimError && err.status === 413 ? 'The photo is larger than 15 MB. Take it again at normal size.' : 'Choose a photo and press "Send photo".';
        return new Response(shell('Your ID photo', form(opened.name, opened.organisation, opened.link.consent_text, opened.link.attempts_left, null, why)), { status: 400, headers: headers() });
      }
      if (!file || file.byteLength === 0) {
        return new Response(shell('Your ID photo', form(opened.name, opened.organisation, opened.link.consent_text, opened.link.attempts_left, null, 'Choose a photo and press "Send photo".')), { status: 400, headers: headers() });
      }
      try {
        await photos.selfUpload(secret, file, consent);
        return new Response(shell('Photo received', `<h1>Thank you, ${esc(opened.name)}</h1><div class="notice ok" role="status">Your photo was received. Someone at ${esc(opened.organisation)} will review it; you do not need to do anything else.</div>`), { status: 201, headers: headers() });
      } catch (err) {
        if (err instanceof PhotoError && (err.status === 422 || err.code === 'consent_required' || err.code === 'busy')) {
          // A busy server gave the try back; a refused photo used one.
          const left = Math.max(0, opened.link.attempts_left - (err.status === 422 ? 1 : 0));
          if (left === 0) return failure(new PhotoError(410, 'no_attempts_left', `${err.message}`));
          // A busy server's 429 says when to try again (RFC 6585 §4), like every other 429 of Muster.
          return new Response(shell('Your ID photo', form(opened.name, opened.organisation, opened.link.consent_text, left, null, err.message)), { status: err.status, headers: { ...headers(), ...(err.status === 429 ? { 'retry-after': '2' } : {}) } });
        }
        return failure(err);
      }
    },
  };
}
