/** One roster field beside the SCIM attribute(s) that feed it, with their transforms. */
import { useRef } from 'react';
import { TRANSFORMS, type ReceivedAttribute, type RosterField, type Transform } from '../api';
import { ConfirmButton } from '../components/confirm-button';
import type { DraftEntry } from './mapping-draft';
import { SourcePicker } from './source-picker';

export interface MappingFieldRowProps {
  readonly field: RosterField;
  readonly entries: readonly DraftEntry[];
  readonly attributes: readonly ReceivedAttribute[];
  readonly canWrite: boolean;
  readonly onChange: (uid: number, patch: Partial<DraftEntry>) => void;
  readonly onAdd: (field: string) => void;
  readonly onRemove: (uid: number) => void;
  readonly onRemoveField: (field: RosterField) => Promise<void>;
}

export function MappingFieldRow({ field, entries, attributes, canWrite, onChange, onAdd, onRemove, onRemoveField }: MappingFieldRowProps) {
  // Removing a source removes the focused button: focus goes to the row's "Add source" instead of the page's top.
  const addSource = useRef<HTMLButtonElement>(null);
  const name = (what: string, i: number) => (entries.length > 1 ? `${what} ${i + 1} for ${field.label}` : `${what} for ${field.label}`);
  return (
    <tr>
      <th scope="row" data-label="Roster field">
        <span className="field-label">{field.label}</span>
        <span className="hint"> <code>{field.key}</code> · {field.type}{field.unique ? ' · unique identifier' : field.required ? ' · required' : ''}</span>
      </th>
      <td data-label="Fed by">
        {entries.length === 0 ? <p className="hint">No source: this field stays empty.</p> : null}
        {entries.map((e, i) => (
          <div className="entry" key={e.uid}>
            {e.transform === 'template' ? (
              <input aria-label={name('Template', i)} value={e.template ?? ''} disabled={!canWrite}
                onChange={(ev) => onChange(e.uid, { template: ev.target.value })} placeholder="{name.givenName} {name.familyName}" />
            ) : (
              <SourcePicker label={name('Source', i)} value={e.source ?? ''} attributes={attributes} disabled={!canWrite} onChange={(v) => onChange(e.uid, { source: v })} />
            )}
            <select aria-label={name('Transform', i)} value={e.transform ?? 'copy'} disabled={!canWrite}
              onChange={(ev) => onChange(e.uid, { transform: ev.target.value as Transform })}>
              {TRANSFORMS.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
            {canWrite ? <button type="button" className="link" onClick={() => { addSource.current?.focus(); onRemove(e.uid); }}>Remove<span className="visually-hidden"> {name('source', i)}</span></button> : null}
          </div>
        ))}
        {canWrite ? (
          <div className="row-actions">
            <button ref={addSource} type="button" className="link" onClick={() => onAdd(field.key)}>Add source<span className="visually-hidden"> for {field.label}</span></button>
            {field.unique ? null : (
              <ConfirmButton label="Remove field" className="link danger-text" ariaLabel={`Remove field ${field.label}`} confirmLabel={`Remove ${field.label}`} onConfirm={() => onRemoveField(field)}
                question={`Remove the field “${field.label}” and its values from every person?`} />
            )}
          </div>
        ) : null}
      </td>
    </tr>
  );
}
