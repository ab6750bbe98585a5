/**
 * The live preview: one side of the card drawn from the template model, in millimetres (CR80,
 * 85.6 × 53.98), with `{field}` text filled from the chosen person. An approximation of the PDF:
 * text wraps and shrinks by widths the browser measures, barcodes are a labelled box; "Preview as PDF"
 * shows the exact card.
 */
import type { CardElement, CardSide, CardTemplate, SideName } from '../../api';
import { cardSize, fillPlaceholders, PT_TO_MM } from './template-model';
import { textWidthMm } from './text-measure';

export interface PreviewData {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly photoUrl: string | null;
  readonly verifyUrl: string;
}

interface Props {
  readonly template: CardTemplate;
  readonly side: SideName;
  readonly data: PreviewData;
  readonly selectedId?: string;
}

export function CardSvg({ template, side, data, selectedId }: Props) {
  const size = cardSize(template);
  const s: CardSide = template[side];
  return (
    <svg className="card-svg" viewBox={`0 0 ${size.width} ${size.height}`} role="img" aria-label={`Card preview, ${side}`}>
      <defs>
        <clipPath id={`card-${side}`}><rect width={size.width} height={size.height} rx={3.18} /></clipPath>
        {s.elements.map((e, i) => <clipPath key={i} id={`clip-${side}-${i}`}><rect x={e.x} y={e.y} width={e.width} height={e.height} /></clipPath>)}
      </defs>
      <g clipPath={`url(#card-${side})`}>
        <rect width={size.width} height={size.height} fill={s.background ?? '#ffffff'} />
        {s.elements.map((e, i) => <Element key={i} e={e} clip={`url(#clip-${side}-${i})`} data={data} />)}
        {s.elements.filter((e) => e.id === selectedId).map((e) => (
          <rect key="sel" x={e.x} y={e.y} width={e.width} height={e.height} fill="none" stroke="#1f5fbf" strokeWidth={0.35} strokeDasharray="1 0.6" />
        ))}
      </g>
      <rect width={size.width} height={size.height} rx={3.18} fill="none" stroke="#8a94a3" strokeWidth={0.2} />
    </svg>
  );
}

function Element({ e, clip, data }: { readonly e: CardElement; readonly clip: string; readonly data: PreviewData }) {
  switch (e.type) {
    case 'rect':
    case 'ellipse': {
      const paint = { fill: e.fill ?? 'none', stroke: e.stroke ?? 'none', strokeWidth: e.stroke ? e.strokeWidth ?? 0.3 : 0 };
      return e.type === 'rect'
        ? <rect x={e.x} y={e.y} width={e.width} height={e.height} rx={e.cornerRadius ?? 0} {...paint} />
        : <ellipse cx={e.x + e.width / 2} cy={e.y + e.height / 2} rx={e.width / 2} ry={e.height / 2} {...paint} />;
    }
    case 'photo':
      return data.photoUrl
        ? <image href={data.photoUrl} x={e.x} y={e.y} width={e.width} height={e.height} preserveAspectRatio="xMidYMid slice" clipPath={clip} />
        : <g><rect x={e.x} y={e.y} width={e.width} height={e.height} fill={e.placeholderColor ?? '#d0d4da'} /><Label x={e.x + e.width / 2} y={e.y + e.height / 2} text="Photo" /></g>;
    case 'image': {
      if (!e.data) return <g><rect x={e.x} y={e.y} width={e.width} height={e.height} fill="none" stroke="#8a94a3" strokeWidth={0.2} /><Label x={e.x + e.width / 2} y={e.y + e.height / 2} text="Image" /></g>;
      const href = e.data.startsWith('data:') ? e.data : `data:image/${e.data.startsWith('/9j/') ? 'jpeg' : 'png'};base64,${e.data}`;
      const ar = e.fit === 'fill' ? 'none' : e.fit === 'cover' ? 'xMidYMid slice' : 'xMidYMid meet';
      return <image href={href} x={e.x} y={e.y} width={e.width} height={e.height} preserveAspectRatio={ar} clipPath={clip} />;
    }
    case 'barcode': {
      const value = fillPlaceholders(e.data, data.fields, data.verifyUrl);
      return (
        <g>
          <rect x={e.x} y={e.y} width={e.width} height={e.height} fill={e.background ?? 'none'} stroke={e.color ?? '#000000'} strokeWidth={0.3} strokeDasharray="1 0.7" />
          <Label x={e.x + e.width / 2} y={e.y + e.height / 2 - 1.2} text={(e.symbology ?? 'qr').toUpperCase()} />
          <Label x={e.x + e.width / 2} y={e.y + e.height / 2 + 1.8} text={value.length > 24 ? `${value.slice(0, 23)}…` : value} small />
        </g>
      );
    }
    case 'text':
      return <TextBlock e={e} clip={clip} text={fillPlaceholders(e.text, data.fields, data.verifyUrl)} />;
  }
}

function Label({ x, y, text, small }: { readonly x: number; readonly y: number; readonly text: string; readonly small?: boolean }) {
  return <text x={x} y={y} fontSize={small ? 1.6 : 2.4} textAnchor="middle" dominantBaseline="middle" fill="#4a5563" fontFamily="DejaVu Sans, Verdana, sans-serif">{text}</text>;
}

type Measure = (s: string) => number;

/** Words wrapped onto lines no wider than the box; a word wider than the box stays whole (and is cut later). */
function wrap(text: string, width: number, measure: Measure): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && measure(candidate) > width) { out.push(line); line = word; } else line = candidate;
    }
    out.push(line);
  }
  return out;
}

/** The longest start of `line` that fits the width with "…" after it. */
function cut(line: string, width: number, measure: Measure): string {
  let n = line.length;
  while (n > 0 && measure(`${line.slice(0, n)}…`) > width) n--;
  return `${line.slice(0, n)}…`;
}

/**
 * Fits text like the PDF does (docs/cards.md, "Fitting"): wrap onto maxLines, shrink in half-point
 * steps down to minFontSize, then cut the last line with "…".
 */
function fit(e: Extract<CardElement, { type: 'text' }>, text: string): { size: number; lines: string[] } {
  const maxLines = e.maxLines ?? 1;
  const start = e.fontSize ?? 10;
  const min = Math.min(e.minFontSize ?? 6, start);
  const bold = e.fontWeight === 'bold';
  for (let pt = start; ; pt -= 0.5) {
    const size = pt * PT_TO_MM;
    const measure: Measure = (s) => textWidthMm(s, size, bold);
    const lines = wrap(text, e.width, measure);
    const fits = lines.length <= maxLines && lines.length * size * 1.2 <= e.height + 0.01 && lines.every((l) => measure(l) <= e.width + 0.01);
    if (fits) return { size, lines };
    if (pt - 0.5 < min) {
      const rows = Math.max(1, Math.min(maxLines, Math.floor((e.height + 0.01) / (size * 1.2))));
      const kept = lines.slice(0, rows).map((l) => (measure(l) > e.width ? cut(l, e.width, measure) : l));
      if (lines.length > rows && !kept[rows - 1]!.endsWith('…')) kept[rows - 1] = cut(kept[rows - 1]!, e.width, measure);
      return { size, lines: kept };
    }
  }
}

function TextBlock({ e, clip, text }: { readonly e: Extract<CardElement, { type: 'text' }>; readonly clip: string; readonly text: string }) {
  const { size, lines } = fit(e, text);
  const lineHeight = size * 1.2;
  const total = lines.length * lineHeight;
  const top = e.verticalAlign === 'middle' ? e.y + (e.height - total) / 2 : e.verticalAlign === 'bottom' ? e.y + e.height - total : e.y;
  const anchor = e.align === 'center' ? 'middle' : e.align === 'right' ? 'end' : 'start';
  const x = e.align === 'center' ? e.x + e.width / 2 : e.align === 'right' ? e.x + e.width : e.x;
  return (
    <text clipPath={clip} fontSize={size} fontWeight={e.fontWeight === 'bold' ? 700 : 400} fill={e.color ?? '#000000'} textAnchor={anchor}
      fontFamily="DejaVu Sans, Verdana, sans-serif" data-element={e.id}>
      {lines.map((l, i) => <tspan key={i} x={x} y={top + size * 0.93 + i * lineHeight}>{l}</tspan>)}
    </text>
  );
}
