/**
 * Issue 12, defect 5: decompression bombs in card templates. A small PNG declaring 8000 × 8000
 * pixels held the event loop for 19 s while the preview decoded it. Images are now refused by
 * their declared size (read from the header) before anything decodes them, and the PNGs that
 * are accepted are decoded off the event loop. The bombs are built here, header by header.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_SIDE_PX } from '../src/credentials/image-size.js';
import { rasterise } from './unit/credentials/test-fixtures.js';
import { LOOP_LAG_BUDGET_MS, describeLag, measureLoopLag } from './helpers/loop-lag.js';
import { call, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let key: string;
let list: TestList;
let personId: string;
let template: { front: { elements: Record<string, unknown>[] } } & Record<string, unknown>;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Staff' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
  const p = await list.req('POST', '/Users', user('ada@example.com'));
  expect(p.status, p.text).toBe(201);
  personId = p.body.id;
  const t = await api('GET', `/lists/${list.id}/card-templates`);
  template = t.body.templates[0].template;
  // pdf-lib, fontkit and the fonts load on the first preview (src/credentials/card-service.ts): not what is measured here.
  expect((await api('POST', `/lists/${list.id}/card-templates/preview`, { template, personId })).status).toBe(200);
});
afterAll(() => srv.close());

const api = (method: string, p: string, body?: unknown) => call(`${srv.origin}/api/v1${p}`, {
  method,
  headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A PNG declaring `width` × `height` RGBA pixels whose IDAT holds compressed zero rows: 300
 * rows here (enough for a decoder to commit to the declared size), about 10 KB in all.
 */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, adaptive filtering, no interlace
  const rows = deflateSync(Buffer.alloc(Math.min(height, 300) * (1 + width * 4)), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

/** A baseline JPEG header declaring `width` × `height` (SOF0, ITU-T T.81 §B.2.2), with no image data after it. */
function jpegBomb(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]);
}

const withImage = (data: Buffer) => ({
  ...template,
  name: 'With artwork',
  front: { ...template.front, elements: [...template.front.elements, { type: 'image', id: 'logo', x: 2, y: 2, width: 20, height: 10, data: data.toString('base64') }] },
});

async function timed<T>(fn: () => Promise<T>): Promise<T> {
  const { result, lag } = await measureLoopLag(fn);
  expect(lag.maxStallMs, describeLag(lag)).toBeLessThanOrEqual(LOOP_LAG_BUDGET_MS);
  return result;
}

describe('card template images are refused by their declared size, before decoding', () => {
  it('a 10 KB PNG declaring 8000 × 8000 pixels: preview and save answer 422 naming the size, without holding the loop', async () => {
    const bomb = pngBomb(8000, 8000);
    expect(bomb.length).toBeLessThan(20_000);
    const rss = process.memoryUsage().rss;
    for (const send of [
      () => api('POST', `/lists/${list.id}/card-templates/preview`, { template: withImage(bomb), personId }),
      () => api('POST', `/lists/${list.id}/card-templates`, withImage(bomb)),
    ]) {
      await send(); // the first request through a route also pays for compiling it
      const r = await timed(send);
      expect(r.status, r.text).toBe(422);
      expect(r.body.error).toBe('invalid_template');
      const problem = r.body.problems.find((p: { path: string }) => /front\.elements\[\d+\]\.data/.test(p.path));
      expect(problem?.message).toContain('8000 × 8000');
      expect(problem?.message).toContain(String(MAX_IMAGE_SIDE_PX));
    }
    // Nothing decoded: memory did not grow by anything near 8000 × 8000 × 4 bytes (256 MB).
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    const t = await api('GET', `/lists/${list.id}/card-templates`);
    expect(t.body.templates.map((x: { name: string }) => x.name)).not.toContain('With artwork');
  });

  it('a JPEG header declaring 60000 × 60000 pixels is refused the same way; one past the side limit too', async () => {
    for (const img of [jpegBomb(60000, 60000), pngBomb(MAX_IMAGE_SIDE_PX + 1, 10)]) {
      const r = await timed(() => api('POST', `/lists/${list.id}/card-templates/preview`, { template: withImage(img), personId }));
      expect(r.status, r.text).toBe(422);
      expect(JSON.stringify(r.body.problems)).toContain(`at most ${MAX_IMAGE_SIDE_PX} pixels`);
    }
  });

  it('a template stored before the check (a bomb in the database) gives 422 card_unrenderable, not a 500 or a stall', async () => {
    const saved = await api('POST', `/lists/${list.id}/card-templates`, { ...template, name: 'Legacy' });
    expect(saved.status, saved.text).toBe(201);
    const legacy = { ...withImage(pngBomb(8000, 8000)), name: 'Legacy' };
    await srv.muster.store.cards.updateTemplate(saved.body.id, { name: 'Legacy', template: JSON.stringify(legacy), updated_at: new Date().toISOString(), updated_by: 'test' });
    const r = await timed(() => api('POST', `/lists/${list.id}/card-templates/preview`, { templateId: saved.body.id, personId }));
    expect(r.status, r.text).toBe(422);
    expect(r.body.error).toBe('card_unrenderable');
    expect(r.body.detail).toContain('8000 × 8000');
  });

  it('artwork at the limit is accepted and drawn: a large transparent PNG is decoded off the event loop', async () => {
    const side = MAX_IMAGE_SIDE_PX;
    const png = await sharp({ create: { width: side, height: side / 2, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const body = { template: withImage(png), personId };
    expect((await api('POST', `/lists/${list.id}/card-templates/preview`, body)).status).toBe(200); // compiles the path once
    const pdf = await timed(async () => {
      const r = await fetch(`${srv.origin}/api/v1/lists/${list.id}/card-templates/preview`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, data: new Uint8Array(await r.arrayBuffer()) };
    });
    expect(pdf.status).toBe(200);
    // The half-transparent red artwork is on the card, blended over what lies under it.
    const mm = 72 / 25.4;
    const [r, g] = (await rasterise(pdf.data, 0, 2)).region(12 * mm, 7 * mm, 1, 1)[0]!;
    expect(r - g).toBeGreaterThan(50);
  });
});
