/**
 * The template a new list starts from: a plain staff ID card that prints well on any CR80
 * printer and uses only fields of the default roster schema (src/roster/fields.ts), so it
 * validates on a freshly created list. Admins restyle it in the card editor.
 */
import { type CardTemplate, type TextElement, CARD_TEMPLATE_VERSION } from './card-template.js';

const NAVY = '#1f3a5f';
const AMBER = '#e8a317';
const GREY = '#4a5563';

export function defaultTemplate(name = 'Staff ID'): CardTemplate {
  return {
    version: CARD_TEMPLATE_VERSION,
    name,
    size: 'CR80',
    orientation: 'landscape',
    front: {
      background: '#ffffff',
      elements: [
        { type: 'rect', id: 'header', x: 0, y: 0, width: 85.6, height: 11, fill: NAVY, stroke: null, strokeWidth: 0, cornerRadius: 0 },
        text('organisation', '{organisation}', 4, 2, 56, 7, { fontSize: 9, fontWeight: 'bold', color: '#ffffff', verticalAlign: 'middle' }),
        text('card-kind', 'STAFF', 62, 2, 19.6, 7, { fontSize: 9, fontWeight: 'bold', color: AMBER, align: 'right', verticalAlign: 'middle' }),
        { type: 'photo', id: 'photo', x: 4, y: 14, width: 25, height: 32, placeholderColor: '#d0d4da' },
        text('name', '{first_name} {last_name}', 32, 14.5, 50, 11, { fontSize: 13, minFontSize: 7, fontWeight: 'bold', maxLines: 2 }),
        text('job-title', '{job_title}', 32, 27, 50, 4.5, { fontSize: 8, color: GREY }),
        text('department', '{department}', 32, 32, 50, 4.5, { fontSize: 8, color: GREY }),
        text('employee-number', 'No. {employee_number}', 32, 40, 50, 4.5, { fontSize: 8, fontWeight: 'bold' }),
        { type: 'rect', id: 'footer', x: 0, y: 50.48, width: 85.6, height: 3.5, fill: AMBER, stroke: null, strokeWidth: 0, cornerRadius: 0 },
      ],
    },
    back: {
      background: '#ffffff',
      elements: [
        text('notice', 'This card remains the property of {organisation}. If found, please return it.', 5, 4, 75.6, 9, { fontSize: 7, maxLines: 3, color: GREY }),
        { type: 'barcode', id: 'verify-qr', x: 5, y: 15, width: 28, height: 28, symbology: 'qr', data: '{verifyUrl}', color: '#000000', background: '#ffffff' },
        text('verify-caption', 'Scan to verify', 5, 43.5, 28, 4, { fontSize: 6, align: 'center', color: GREY }),
        text('contact', '{work_email}\n{work_phone}', 37, 20, 44, 10, { fontSize: 7, maxLines: 2, color: GREY }),
        { type: 'rect', id: 'footer-back', x: 0, y: 50.48, width: 85.6, height: 3.5, fill: NAVY, stroke: null, strokeWidth: 0, cornerRadius: 0 },
      ],
    },
  };
}

function text(id: string, content: string, x: number, y: number, width: number, height: number, style: Partial<Omit<TextElement, 'type' | 'id' | 'text'>>): TextElement {
  return {
    type: 'text' as const, id, text: content, x, y, width, height,
    fontSize: 8, minFontSize: 6, fontWeight: 'regular' as const, color: '#000000', align: 'left' as const, verticalAlign: 'top' as const, maxLines: 1,
    ...style,
  };
}
