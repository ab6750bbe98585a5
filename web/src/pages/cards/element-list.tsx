/** One side's elements in paint order: pick one to edit, move it up or down, remove it, add a new one. */
import { useState } from 'react';
import type { CardElement, ElementType, SideName } from '../../api';
import { ELEMENT_TYPES } from './template-model';

interface Props {
  readonly side: SideName;
  readonly elements: readonly CardElement[];
  readonly selected: number;
  readonly problemCount: (index: number) => number;
  readonly readOnly: boolean;
  readonly onSelect: (index: number) => void;
  readonly onMove: (index: number, by: -1 | 1) => void;
  readonly onRemove: (index: number) => void;
  readonly onAdd: (type: ElementType) => void;
}

const summary = (e: CardElement) => (e.type === 'text' ? `text “${e.text.length > 24 ? e.text.slice(0, 23) + '…' : e.text}”` : e.type);

export function ElementList({ side, elements, selected, problemCount, readOnly, onSelect, onMove, onRemove, onAdd }: Props) {
  const [type, setType] = useState<ElementType>('text');
  return (
    <div className="element-list">
      <ol aria-label={`Elements on the ${side}`}>
        {elements.map((e, i) => {
          const n = problemCount(i);
          return (
            <li key={`${i}-${e.id}`} className={i === selected ? 'current' : undefined}>
              <button type="button" className="link" aria-pressed={i === selected} onClick={() => onSelect(i)}>
                {e.id} <span className="hint">({summary(e)})</span>
              </button>
              {n ? <span className="badge warn">{n} {n === 1 ? 'problem' : 'problems'}</span> : null}
              {readOnly ? null : (
                <span className="row-actions">
                  <button type="button" className="link" disabled={i === 0} onClick={() => onMove(i, -1)} aria-label={`Move ${e.id} earlier (drawn below)`}>↑</button>
                  <button type="button" className="link" disabled={i === elements.length - 1} onClick={() => onMove(i, 1)} aria-label={`Move ${e.id} later (drawn on top)`}>↓</button>
                  <button type="button" className="link danger-text" onClick={() => onRemove(i)} aria-label={`Remove ${e.id}`}>Remove</button>
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {readOnly ? null : (
        <div className="toolbar">
          <label className="inline">New element
            <select value={type} onChange={(e) => setType(e.target.value as ElementType)}>
              {ELEMENT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <button type="button" className="secondary" onClick={() => onAdd(type)}>Add to {side}</button>
        </div>
      )}
    </div>
  );
}
