/**
 * One side's elements in paint order: pick one to edit, move it up or down, remove it, add a new one.
 * Keyboard users keep their place: after a move the focus stays on the moved element's arrow (or its
 * other arrow at either end), after a removal it goes to the element now selected.
 */
import { useEffect, useRef, useState } from 'react';
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

const moveLabel = (id: string, by: -1 | 1) => (by < 0 ? `Move ${id} earlier (drawn below)` : `Move ${id} later (drawn on top)`);

const summary = (e: CardElement) => (e.type === 'text' ? `text “${e.text.length > 24 ? e.text.slice(0, 23) + '…' : e.text}”` : e.type);

export function ElementList({ side, elements, selected, problemCount, readOnly, onSelect, onMove, onRemove, onAdd }: Props) {
  const [type, setType] = useState<ElementType>('text');
  const listRef = useRef<HTMLOListElement>(null);
  const newType = useRef<HTMLSelectElement>(null);
  /** Where focus goes once the list has re-rendered after a move or a removal. */
  const refocus = useRef<{ labels: string[] } | { index: number } | null>(null);
  useEffect(() => {
    const want = refocus.current;
    if (!want || !listRef.current) return;
    refocus.current = null;
    const buttons = [...listRef.current.querySelectorAll('button')].filter((b) => !b.disabled);
    const target = 'labels' in want
      ? want.labels.map((l) => buttons.find((b) => b.getAttribute('aria-label') === l)).find((b) => b !== undefined)
      : listRef.current.querySelectorAll<HTMLButtonElement>(':scope > li > button')[want.index];
    (target ?? newType.current)?.focus();
  }, [elements]);
  const move = (i: number, id: string, by: -1 | 1) => {
    refocus.current = { labels: [moveLabel(id, by), moveLabel(id, by < 0 ? 1 : -1)] };
    onMove(i, by);
  };
  const remove = (i: number) => {
    refocus.current = { index: Math.max(0, i - 1) };
    onRemove(i);
  };
  return (
    <div className="element-list">
      <ol ref={listRef} aria-label={`Elements on the ${side}`}>
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
                  <button type="button" className="link" disabled={i === 0} onClick={() => move(i, e.id, -1)} aria-label={moveLabel(e.id, -1)}>↑</button>
                  <button type="button" className="link" disabled={i === elements.length - 1} onClick={() => move(i, e.id, 1)} aria-label={moveLabel(e.id, 1)}>↓</button>
                  <button type="button" className="link danger-text" onClick={() => remove(i)} aria-label={`Remove ${e.id}`}>Remove</button>
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {readOnly ? null : (
        <div className="toolbar">
          <label className="inline">New element
            <select ref={newType} value={type} onChange={(e) => setType(e.target.value as ElementType)}>
              {ELEMENT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <button type="button" className="secondary" onClick={() => onAdd(type)}>Add to {side}</button>
        </div>
      )}
    </div>
  );
}
