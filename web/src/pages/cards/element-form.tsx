/** The properties of one card element, editable; each property shows the problems a save found in it. */
import type { CardElement, ElementType } from '../../api';
import { ChoiceField, ColourField, NumberField, TextField } from './element-fields';
import { ELEMENT_TYPES } from './template-model';

interface Props {
  readonly element: CardElement;
  readonly problems: Readonly<Record<string, readonly string[]>>;
  readonly onChange: (next: CardElement) => void;
  readonly onTypeChange: (type: ElementType) => void;
}

const TYPE_LABELS: Record<ElementType, string> = { text: 'Text', photo: 'Photo', image: 'Image', rect: 'Rectangle', ellipse: 'Ellipse', barcode: 'Barcode' };

export function ElementForm({ element: e, problems, onChange, onTypeChange }: Props) {
  const set = (patch: Partial<CardElement>) => onChange({ ...e, ...patch } as CardElement);
  const p = (k: string) => problems[k];
  return (
    <fieldset className="element-form">
      <legend>Element “{e.id}”</legend>
      <div className="grid-2">
        <ChoiceField label="Type" value={e.type} options={ELEMENT_TYPES.map((t) => [t, TYPE_LABELS[t]] as const)} onChange={onTypeChange} problems={p('type')} />
        <TextField label="Element id" value={e.id} onChange={(id) => set({ id })} problems={p('id')} />
        <NumberField label="X (mm)" value={e.x} min={0} onChange={(x) => set({ x })} problems={p('x')} />
        <NumberField label="Y (mm)" value={e.y} min={0} onChange={(y) => set({ y })} problems={p('y')} />
        <NumberField label="Width (mm)" value={e.width} min={0} onChange={(width) => set({ width })} problems={p('width')} />
        <NumberField label="Height (mm)" value={e.height} min={0} onChange={(height) => set({ height })} problems={p('height')} />
      </div>
      {e.type === 'text' ? (
        <>
          <TextField label="Text" multiline value={e.text} onChange={(text) => set({ text })} problems={p('text')} hint="Roster fields in braces: {first_name} {last_name}; {verifyUrl} is the card's verification URL." />
          <div className="grid-2">
            <NumberField label="Font size (pt)" value={e.fontSize ?? 10} min={4} max={72} step={0.5} onChange={(fontSize) => set({ fontSize })} problems={p('fontSize')} />
            <NumberField label="Shrink to at least (pt)" value={e.minFontSize ?? Math.min(6, e.fontSize ?? 10)} min={4} max={72} step={0.5} onChange={(minFontSize) => set({ minFontSize })} problems={p('minFontSize')} />
            <ChoiceField label="Weight" value={e.fontWeight ?? 'regular'} options={[['regular', 'Regular'], ['bold', 'Bold']]} onChange={(fontWeight) => set({ fontWeight })} problems={p('fontWeight')} />
            <ColourField label="Text colour" value={e.color ?? '#000000'} onChange={(c) => set({ color: c ?? '#000000' })} problems={p('color')} />
            <ChoiceField label="Alignment" value={e.align ?? 'left'} options={[['left', 'Left'], ['center', 'Centre'], ['right', 'Right']]} onChange={(align) => set({ align })} problems={p('align')} />
            <ChoiceField label="Vertical alignment" value={e.verticalAlign ?? 'top'} options={[['top', 'Top'], ['middle', 'Middle'], ['bottom', 'Bottom']]} onChange={(verticalAlign) => set({ verticalAlign })} problems={p('verticalAlign')} />
            <NumberField label="Lines at most" value={e.maxLines ?? 1} min={1} max={10} step={1} onChange={(maxLines) => set({ maxLines })} problems={p('maxLines')} />
          </div>
        </>
      ) : null}
      {e.type === 'photo' ? <ColourField label="Placeholder colour" value={e.placeholderColor ?? '#d0d4da'} onChange={(c) => set({ placeholderColor: c ?? '#d0d4da' })} problems={p('placeholderColor')} /> : null}
      {e.type === 'rect' || e.type === 'ellipse' ? (
        <div className="grid-2">
          <ColourField label="Fill colour" value={e.fill} noneLabel="No fill" fallback="#1f3a5f" onChange={(fill) => set({ fill })} problems={p('fill')} />
          <ColourField label="Outline colour" value={e.stroke} noneLabel="No outline" onChange={(stroke) => set({ stroke, strokeWidth: stroke ? e.strokeWidth || 0.3 : 0 })} problems={p('stroke')} />
          <NumberField label="Outline width (mm)" value={e.strokeWidth ?? 0} min={0} max={5} onChange={(strokeWidth) => set({ strokeWidth })} problems={p('strokeWidth')} />
          {e.type === 'rect' ? <NumberField label="Corner radius (mm)" value={e.cornerRadius ?? 0} min={0} onChange={(cornerRadius) => set({ cornerRadius })} problems={p('cornerRadius')} /> : null}
        </div>
      ) : null}
      {e.type === 'barcode' ? (
        <div className="grid-2">
          <ChoiceField label="Symbology" value={e.symbology ?? 'qr'} options={[['qr', 'QR code'], ['code128', 'Code 128'], ['pdf417', 'PDF417']]} onChange={(symbology) => set({ symbology })} problems={p('symbology')} />
          <TextField label="Barcode data" value={e.data} onChange={(data) => set({ data })} problems={p('data')} hint="e.g. {verifyUrl} or {employee_number}" />
          <ColourField label="Bar colour" value={e.color ?? '#000000'} onChange={(c) => set({ color: c ?? '#000000' })} problems={p('color')} />
          <ColourField label="Barcode background" value={e.background === undefined ? '#ffffff' : e.background} noneLabel="Transparent" fallback="#ffffff" onChange={(background) => set({ background })} problems={p('background')} />
        </div>
      ) : null}
      {e.type === 'image' ? <ImageFields e={e} set={set} problems={problems} /> : null}
    </fieldset>
  );
}

function ImageFields({ e, set, problems }: { readonly e: Extract<CardElement, { type: 'image' }>; readonly set: (p: Partial<CardElement>) => void; readonly problems: Readonly<Record<string, readonly string[]>> }) {
  const read = (f: File | undefined) => {
    if (!f) return;
    const r = new FileReader();
    r.onload = () => { if (typeof r.result === 'string') set({ data: r.result }); };
    r.readAsDataURL(f);
  };
  return (
    <div className="grid-2">
      <div className="field">
        <label>Artwork (PNG or JPEG)<input type="file" accept="image/png,image/jpeg" onChange={(ev) => read(ev.target.files?.[0])} /></label>
        {problems.data?.length ? <span className="field-problem">{problems.data.join(' ')}</span> : null}
      </div>
      <ChoiceField label="Fit" value={e.fit ?? 'contain'} options={[['contain', 'Contain (letterboxed)'], ['cover', 'Cover (cropped)'], ['fill', 'Fill (stretched)']]} onChange={(fit) => set({ fit })} problems={problems.fit} />
    </div>
  );
}
