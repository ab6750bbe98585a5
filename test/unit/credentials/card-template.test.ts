import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTES } from '../../../src/roster/fields.js';
import { type TemplateProblem, CARD_TEMPLATE_VERSION, validateTemplate } from '../../../src/credentials/card-template.js';
import { defaultTemplate } from '../../../src/credentials/default-template.js';
import { makePng } from './test-fixtures.js';

const fieldKeys = DEFAULT_ATTRIBUTES.map(([key]) => key);

/** A template with one element on the front, for checking one thing at a time. */
const withFront = (element: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  version: CARD_TEMPLATE_VERSION, name: 'Test', orientation: 'landscape',
  front: { background: '#ffffff', elements: [element] }, back: { elements: [] },
  ...rest,
});

const text = (over: Record<string, unknown> = {}) => ({ type: 'text', id: 't', x: 5, y: 5, width: 40, height: 8, text: '{first_name}', ...over });

function problems(input: unknown): TemplateProblem[] {
  const result = validateTemplate(input, { fieldKeys });
  if (result.ok) throw new Error('expected problems, the template was accepted');
  return [...result.problems];
}

describe('validateTemplate', () => {
  it('accepts the default template against the default roster schema, unchanged', () => {
    const result = validateTemplate(defaultTemplate(), { fieldKeys });
    expect(result).toEqual({ ok: true, template: defaultTemplate() });
  });

  it('survives a JSON round trip (what the store will do)', () => {
    expect(validateTemplate(JSON.parse(JSON.stringify(defaultTemplate())), { fieldKeys }).ok).toBe(true);
  });

  it('fills every default of a minimal element', () => {
    const result = validateTemplate(withFront({ type: 'text', id: 'n', x: 1, y: 1, width: 30, height: 6, text: 'Hello' }), { fieldKeys });
    expect(result.ok && result.template.front.elements[0]).toEqual({
      type: 'text', id: 'n', x: 1, y: 1, width: 30, height: 6, text: 'Hello',
      fontSize: 10, minFontSize: 6, fontWeight: 'regular', color: '#000000', align: 'left', verticalAlign: 'top', maxLines: 1,
    });
    expect(result.ok && result.template.back).toEqual({ background: '#ffffff', elements: [] });
    expect(result.ok && result.template.size).toBe('CR80');
  });

  it('reports an element off the card, on each edge, in mm', () => {
    expect(problems(withFront(text({ x: 60, width: 30 })))).toEqual([
      { path: 'front.elements[0]', message: 'is off the card: it extends past the right edge (x + width = 90 mm > 85.6 mm)' },
    ]);
    expect(problems(withFront(text({ y: 50, height: 8 })))[0]?.message).toMatch(/past the bottom edge .*58 mm > 53.98 mm/);
    expect(problems(withFront(text({ x: -1 })))[0]?.message).toMatch(/left of the left edge/);
    expect(problems(withFront(text({ y: -0.5 })))[0]?.message).toMatch(/above the top edge/);
  });

  it('measures portrait cards as 53.98 wide and 85.6 tall', () => {
    expect(problems(withFront(text({ x: 20, width: 40 }), { orientation: 'portrait' }))[0]?.message).toMatch(/60 mm > 53.98 mm/);
    expect(validateTemplate(withFront(text({ y: 70, height: 10 }), { orientation: 'portrait' }), { fieldKeys }).ok).toBe(true);
  });

  it('accepts elements flush with the card edges (full-bleed bands)', () => {
    expect(validateTemplate(withFront({ type: 'rect', id: 'r', x: 0, y: 0, width: 85.6, height: 53.98, fill: '#112233' }), { fieldKeys }).ok).toBe(true);
  });

  it('reports fields the list does not have, and accepts card variables', () => {
    expect(problems(withFront(text({ text: '{given_name} {last_name}' })))).toEqual([
      { path: 'front.elements[0].text', message: '{given_name} is not a field of this list (nor one of verifyUrl)' },
    ]);
    expect(validateTemplate(withFront(text({ text: 'Check {verifyUrl}' })), { fieldKeys }).ok).toBe(true);
    expect(problems(withFront(text({ text: 'Hello {first_name' })))[0]?.message).toMatch(/does not enclose a field name/);
    const custom = validateTemplate(withFront(text({ text: '{given_name}' })), { fieldKeys: ['given_name'] });
    expect(custom.ok).toBe(true);
  });

  it('reports empty barcode data, unknown symbologies and literal data a symbology cannot carry', () => {
    const barcode = (over: Record<string, unknown>) => ({ type: 'barcode', id: 'b', x: 5, y: 5, width: 20, height: 20, symbology: 'qr', data: '{verifyUrl}', ...over });
    expect(validateTemplate(withFront(barcode({})), { fieldKeys }).ok).toBe(true);
    expect(problems(withFront(barcode({ data: '  ' })))).toEqual([
      { path: 'front.elements[0].data', message: 'barcode data is empty; bind it to a field, e.g. "{verifyUrl}" or "{employee_number}"' },
    ]);
    expect(problems(withFront(barcode({ data: undefined })))[0]).toEqual({ path: 'front.elements[0].data', message: 'is required' });
    expect(problems(withFront(barcode({ symbology: 'aztec' })))[0]).toEqual({ path: 'front.elements[0].symbology', message: 'must be one of qr, code128, pdf417' });
    expect(problems(withFront(barcode({ symbology: 'code128', data: 'Łukasz' })))[0]?.message).toMatch(/code128 cannot encode "Ł"/);
  });

  it('reports unsupported element types and unknown properties (typos are not ignored)', () => {
    expect(problems(withFront({ type: 'video', id: 'v', x: 0, y: 0, width: 1, height: 1 }))).toEqual([
      { path: 'front.elements[0].type', message: 'unsupported element type "video"; use one of text, photo, image, rect, ellipse, barcode' },
    ]);
    expect(problems(withFront(text({ fontsize: 12 })))[0]?.path).toBe('front.elements[0].fontsize');
  });

  it('reports bad values with the rule they break', () => {
    const found = problems(withFront(text({ fontSize: 200, color: 'red', align: 'justify', maxLines: 2.5 })));
    expect(found).toEqual([
      { path: 'front.elements[0].fontSize', message: 'must be between 4 and 72' },
      { path: 'front.elements[0].color', message: 'must be a colour like "#1a2b3c"' },
      { path: 'front.elements[0].align', message: 'must be one of left, center, right' },
      { path: 'front.elements[0].maxLines', message: 'must be a whole number' },
    ]);
    expect(problems(withFront(text({ minFontSize: 12, fontSize: 10 })))[0]?.path).toBe('front.elements[0].minFontSize');
    expect(problems(withFront({ type: 'rect', id: 'r', x: 0, y: 0, width: 10, height: 10 }))[0]?.message).toMatch(/draws nothing/);
    expect(problems(withFront({ type: 'rect', id: 'r', x: 0, y: 0, width: 10, height: 4, fill: '#000000', cornerRadius: 3 }))[0]?.path).toBe('front.elements[0].cornerRadius');
  });

  it('reports duplicate element ids across both sides', () => {
    const input = withFront(text({ id: 'same' }), { back: { elements: [text({ id: 'same' })] } });
    expect(problems(input)).toEqual([{ path: 'back.elements[0].id', message: '"same" is already used by front.elements[0]' }]);
  });

  it('checks embedded images are PNG or JPEG base64', () => {
    const png = Buffer.from(makePng(2, 2, () => [0, 0, 0])).toString('base64');
    const image = (data: unknown) => withFront({ type: 'image', id: 'logo', x: 1, y: 1, width: 10, height: 10, data });
    const ok = validateTemplate(image(`data:image/png;base64,${png}`), { fieldKeys });
    expect(ok.ok && ok.template.front.elements[0]).toMatchObject({ data: png, fit: 'contain' });
    expect(problems(image(Buffer.from('GIF89a-not-really').toString('base64')))[0]?.message).toBe('is neither a PNG nor a JPEG image');
    expect(problems(image('***'))[0]?.message).toBe('is not valid base64');
    expect(problems(image(42))[0]?.message).toBe('must be a base64-encoded PNG or JPEG image');
  });

  it('refuses other versions and names what it reads', () => {
    expect(problems({ ...defaultTemplate(), version: 2 })).toEqual([{ path: 'version', message: 'must be 1 (this Muster reads card templates of version 1)' }]);
  });

  it('reports every problem at once, each with its path', () => {
    const found = problems(withFront(text({ text: '{nope}', x: 80 }), { back: { background: 'blue', elements: [{ type: 'ellipse' }] } }));
    expect(found.map((p) => p.path)).toEqual([
      'front.elements[0]', 'front.elements[0].text', 'back.background',
      'back.elements[0].id', 'back.elements[0].x', 'back.elements[0].y', 'back.elements[0].width', 'back.elements[0].height', 'back.elements[0]',
    ]);
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [
      null, undefined, 42, 'template', [], [defaultTemplate()], { front: [], back: 'x' }, { version: 1, front: { elements: {} }, back: null },
      { version: 1, front: { elements: [null, 1, 'x', [], { type: null }] }, back: { elements: [{ type: 'text' }] } },
      { version: 1, front: { elements: [{ type: 'barcode', id: 'b', x: 0, y: 0, width: 10, height: 10, symbology: 'code128', data: 'Ж'.repeat(999) }] }, back: {} },
      withFront(text({ x: Number.NaN, width: Infinity, text: 7 })),
    ];
    for (const input of inputs) {
      const result = validateTemplate(input, { fieldKeys });
      expect(result.ok, JSON.stringify(input)?.slice(0, 80)).toBe(false);
      if (!result.ok) {
        expect(result.problems.length).toBeGreaterThan(0);
        for (const p of result.problems) expect(typeof p.message).toBe('string');
      }
    }
    expect(problems(null)).toEqual([{ path: '', message: 'must be an object' }]);
  });
});
