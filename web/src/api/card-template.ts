/** The card template model (docs/cards.md, "Template format (version 1)"), as the editor edits it. */

export type ElementType = 'text' | 'photo' | 'image' | 'rect' | 'ellipse' | 'barcode';
export type SideName = 'front' | 'back';

interface Box {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TextElement extends Box {
  readonly type: 'text';
  readonly text: string;
  readonly fontSize?: number;
  readonly minFontSize?: number;
  readonly fontWeight?: 'regular' | 'bold';
  readonly color?: string;
  readonly align?: 'left' | 'center' | 'right';
  readonly verticalAlign?: 'top' | 'middle' | 'bottom';
  readonly maxLines?: number;
}

export interface PhotoElement extends Box {
  readonly type: 'photo';
  readonly placeholderColor?: string;
}

export interface ImageElement extends Box {
  readonly type: 'image';
  readonly data: string;
  readonly fit?: 'contain' | 'cover' | 'fill';
}

export interface ShapeElement extends Box {
  readonly type: 'rect' | 'ellipse';
  readonly fill?: string | null;
  readonly stroke?: string | null;
  readonly strokeWidth?: number;
  readonly cornerRadius?: number;
}

export interface BarcodeElement extends Box {
  readonly type: 'barcode';
  readonly symbology?: 'qr' | 'code128' | 'pdf417';
  readonly data: string;
  readonly color?: string;
  readonly background?: string | null;
}

export type CardElement = TextElement | PhotoElement | ImageElement | ShapeElement | BarcodeElement;

export interface CardSide {
  readonly background?: string;
  readonly elements: readonly CardElement[];
}

export interface CardTemplate {
  readonly version: 1;
  readonly name?: string;
  readonly size?: 'CR80';
  readonly orientation?: 'landscape' | 'portrait';
  readonly front: CardSide;
  readonly back: CardSide;
}

export interface TemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly template: CardTemplate;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}
