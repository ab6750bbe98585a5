/**
 * Pure helpers of the card editor: card size, new elements with sensible defaults, replacing one
 * element, the problems a save answered grouped by element, and `{field}` placeholders filled
 * the way the PDF fills them (docs/cards.md, "Bound text").
 */
import type { ApiProblem, CardElement, CardTemplate, ElementType, SideName } from '../../api';

export const CR80 = { width: 85.6, height: 53.98 } as const;
export const PT_TO_MM = 25.4 / 72;
export const ELEMENT_TYPES: readonly ElementType[] = ['text', 'photo', 'rect', 'ellipse', 'barcode', 'image'];
export const SIDES: readonly SideName[] = ['front', 'back'];

export function cardSize(t: CardTemplate): { width: number; height: number } {
  return t.orientation === 'portrait' ? { width: CR80.height, height: CR80.width } : { ...CR80 };
}

function freeId(t: CardTemplate, type: ElementType): string {
  const used = new Set([...t.front.elements, ...t.back.elements].map((e) => e.id));
  for (let i = 1; ; i++) if (!used.has(`${type}-${i}`)) return `${type}-${i}`;
}

export function newElement(t: CardTemplate, type: ElementType): CardElement {
  const id = freeId(t, type);
  const box = { id, x: 5, y: 5 };
  switch (type) {
    case 'text': return { ...box, type, width: 40, height: 6, text: 'New text', fontSize: 9, fontWeight: 'regular', color: '#000000', align: 'left', verticalAlign: 'top', maxLines: 1 };
    case 'photo': return { ...box, type, width: 20, height: 26.67, placeholderColor: '#d0d4da' };
    case 'rect': return { ...box, type, width: 20, height: 10, fill: '#1f3a5f', stroke: null, strokeWidth: 0, cornerRadius: 0 };
    case 'ellipse': return { ...box, type, width: 10, height: 10, fill: '#e8a317', stroke: null, strokeWidth: 0 };
    case 'barcode': return { ...box, type, width: 20, height: 20, symbology: 'qr', data: '{verifyUrl}', color: '#000000', background: '#ffffff' };
    case 'image': return { ...box, type, width: 20, height: 10, data: '', fit: 'contain' };
  }
}

/** A copy of the template with one side's elements replaced. */
export function withElements(t: CardTemplate, side: SideName, elements: readonly CardElement[]): CardTemplate {
  return { ...t, [side]: { ...t[side], elements } };
}

export function replaceElement(t: CardTemplate, side: SideName, index: number, next: CardElement): CardTemplate {
  return withElements(t, side, t[side].elements.map((e, i) => (i === index ? next : e)));
}

export function removeElement(t: CardTemplate, side: SideName, index: number): CardTemplate {
  return withElements(t, side, t[side].elements.filter((_, i) => i !== index));
}

export function moveElement(t: CardTemplate, side: SideName, index: number, by: -1 | 1): CardTemplate {
  const list = [...t[side].elements];
  const to = index + by;
  if (to < 0 || to >= list.length) return t;
  [list[index], list[to]] = [list[to]!, list[index]!];
  return withElements(t, side, list);
}

/** Where a problem points: `front.elements[2].fontSize` → side front, element 2, property fontSize. */
export interface ProblemPlace {
  readonly side?: SideName;
  readonly index?: number;
  readonly property?: string;
  readonly message: string;
  readonly path: string;
}

export function placeProblems(problems: readonly ApiProblem[]): ProblemPlace[] {
  return problems.map((p) => {
    const path = p.path ?? '';
    const m = /^(front|back)(?:\.elements\[(\d+)\](?:\.(\w+))?)?(?:\.(\w+))?/.exec(path);
    if (!m) return { path, message: p.message, ...(path ? { property: path } : {}) };
    return {
      path, message: p.message, side: m[1] as SideName,
      ...(m[2] !== undefined ? { index: Number(m[2]) } : {}),
      ...(m[3] ?? m[4] ? { property: m[3] ?? m[4] } : {}),
    };
  });
}

export function fieldText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** `{first_name} {last_name}` with the person's roster values; a missing value prints as nothing. */
export function fillPlaceholders(text: string, fields: Readonly<Record<string, unknown>>, verifyUrl: string): string {
  return text.replace(/\{([A-Za-z0-9_]*)\}/g, (_, key: string) => (key === 'verifyUrl' ? verifyUrl : fieldText(fields[key])));
}

/** A blank CR80 card, landscape, white on both sides: where "New template" starts without a model. */
export function blankTemplate(name: string): CardTemplate {
  return { version: 1, name, size: 'CR80', orientation: 'landscape', front: { background: '#ffffff', elements: [] }, back: { background: '#ffffff', elements: [] } };
}

/** A copy of a template under another name (Duplicate, and "New template" from an existing one). */
export function renamedCopy(t: CardTemplate, name: string): CardTemplate {
  return { ...t, name };
}
