/**
 * Just enough Markdown for the IdP set-up guides (docs/idps): headings, paragraphs, lists, tables,
 * code blocks, inline code, bold, italics and links. Built as React elements, never as HTML
 * strings, so nothing in a guide can inject markup.
 */
import type { ReactNode } from 'react';
import { CodeBlock } from './code-block';
import { TableScroll } from './table-scroll';

type Block =
  | { kind: 'h'; level: number; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'ul' | 'ol'; items: string[] }
  | { kind: 'code'; text: string }
  | { kind: 'table'; rows: string[][] };

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.trim()) { i++; continue; }
    if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i++]!);
      i++;
      out.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) { out.push({ kind: 'h', level: h[1]!.length, text: h[2]! }); i++; continue; }
    if (line.trim().startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) {
        const cells = lines[i]!.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
        if (!cells.every((c) => /^:?-+:?$/.test(c))) rows.push(cells);
        i++;
      }
      out.push({ kind: 'table', rows });
      continue;
    }
    const li = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(line);
    if (li) {
      const kind = /\d/.test(li[1]!) ? 'ol' : 'ul';
      const items: string[] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(l);
        if (m && !/^\s{2,}/.test(l)) items.push(m[2]!);
        else if (l.trim() && /^\s+/.test(l) && items.length) items[items.length - 1] += ' ' + l.trim().replace(/^[-*]\s+/, '— ');
        else break;
        i++;
      }
      out.push({ kind, items });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() && !/^(#|```|\s*\||\s*([-*]|\d+\.)\s)/.test(lines[i]!)) para.push(lines[i++]!.trim());
    out.push({ kind: 'p', text: para.join(' ') });
  }
  return out;
}

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*)|(\[[^\]]+\]\([^)]+\))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    if (m[1]) out.push(<code key={k++}>{t.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={k++}>{inline(t.slice(2, -2))}</strong>);
    else if (m[3]) out.push(<em key={k++}>{inline(t.slice(1, -1))}</em>);
    else {
      const l = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(t)!;
      const href = l[2]!;
      // Links to other guide files mean nothing inside the app; external ones open normally.
      out.push(/^https?:\/\//.test(href) ? <a key={k++} href={href} target="_blank" rel="noreferrer">{l[1]}</a> : <span key={k++}>{l[1]}</span>);
    }
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ source, headingOffset = 2 }: { readonly source: string; readonly headingOffset?: number }) {
  return (
    <div className="markdown">
      {blocks(source).map((b, i) => {
        switch (b.kind) {
          case 'h': {
            const level = Math.min(6, b.level + headingOffset);
            const H = `h${level}` as 'h3';
            return <H key={i}>{inline(b.text)}</H>;
          }
          case 'p': return <p key={i}>{inline(b.text)}</p>;
          case 'code': return <CodeBlock key={i} label="Example"><code>{b.text}</code></CodeBlock>;
          case 'ul': return <ul key={i}>{b.items.map((t, j) => <li key={j}>{inline(t)}</li>)}</ul>;
          case 'ol': return <ol key={i}>{b.items.map((t, j) => <li key={j}>{inline(t)}</li>)}</ol>;
          case 'table': {
            const [head, ...rows] = b.rows;
            return (
              <TableScroll key={i} label={`Table: ${(head ?? []).join(', ').replace(/[*`]/g, '')}`}>
                <table>
                  {head && head.some(Boolean) ? <thead><tr>{head.map((c, j) => <th key={j} scope="col">{inline(c)}</th>)}</tr></thead> : null}
                  <tbody>{rows.map((r, j) => <tr key={j}>{r.map((c, n) => <td key={n}>{inline(c)}</td>)}</tr>)}</tbody>
                </table>
              </TableScroll>
            );
          }
        }
        return null;
      })}
    </div>
  );
}
