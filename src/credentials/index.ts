/**
 * Credentials: card design and printing (issue #8, items 3 and 4). Pure of storage and HTTP:
 * the store keeps templates and photos, the job runner calls renderBatch, the admin API
 * validates templates and renders previews through what is exported here.
 */
export {
  type BarcodeElement, type CardElement, type CardSide, type CardTemplate, type Colour, type EllipseElement, type ElementBox,
  type ElementType, type ImageElement, type Orientation, type PhotoElement, type RectElement, type SideName, type TemplateProblem,
  type TextElement, type ValidateOptions, type ValidationResult,
  CARD_TEMPLATE_VERSION, ELEMENT_TYPES, ORIENTATIONS, SIDES, cardSizeMm, validateTemplate,
} from './card-template.js';
export { defaultTemplate } from './default-template.js';
export { type CardVariable, CARD_VARIABLES, fillTemplate, placeholders } from './field-template.js';
export {
  type Bar, type BarcodePlacement, type BarcodeSymbology, type BarcodeVector, type EncodeResult,
  BARCODE_SYMBOLOGIES, barcodeToSvg, encodeBarcode, placeBarcode,
} from './barcode.js';
export {
  type CardPerson, type CardRenderErrorCode, type PreparedCard, type RenderCardOptions,
  CARD_RENDER_ERRORS, CardPainter, CardRenderError, cardSizePt, renderCardPdf,
} from './card-pdf.js';
export { type TextBox, type TextLayout, layoutText } from './text-layout.js';
export { type Line, type Point, type SheetLayout, sheetLayout } from './sheet-layout.js';
export {
  type BatchOptions, type BatchPerson, type BatchProgress, type BatchResult, type PrintLayout, type SkipReason, type SkippedPerson,
  PRINT_LAYOUTS, renderBatch,
} from './print-sheet.js';
export { type Size, CR80_MM, PAPER_MM, PT_PER_MM, mmToPt, ptToMm } from './units.js';
export { type FaceBox, detectFaces } from './face-detector.js';
export {
  type PhotoCheck, type PhotoMetrics, type PhotoProblem, type PhotoProblemCode, type PhotoRules,
  DEFAULT_PHOTO_RULES, PhotoChecksBusyError, checkPhoto, portraitCrop,
} from './photo-check.js';
