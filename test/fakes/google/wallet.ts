// The Wallet API's genericClass and genericObject resources
// (developers.google.com/wallet/reference/rest/v1/genericclass, …/genericobject): insert (POST),
// get (GET) and patch (PATCH, "supports patch semantics": top-level fields sent replace theirs).
// Ids are "issuerId.identifier" with only alphanumerics, ".", "_" and "-"; a class needs only
// its id; an object needs id, classId, cardTitle and header, and its class must exist.
import { errors } from './errors.js';

export type Resource = Record<string, unknown>;

/** GenericObject.state (State enum); the lower-case spellings are documented legacy aliases. */
const STATES = ['ACTIVE', 'COMPLETED', 'EXPIRED', 'INACTIVE'] as const;
const BARCODES = ['AZTEC', 'CODE_39', 'CODE_128', 'CODABAR', 'DATA_MATRIX', 'EAN_8', 'EAN_13', 'ITF_14', 'PDF_417', 'QR_CODE', 'UPC_A', 'TEXT_ONLY'];
const ID = /^(\d+)\.[A-Za-z0-9._-]+$/;

export class WalletStore {
  readonly classes = new Map<string, Resource>();
  readonly objects = new Map<string, Resource>();

  /** The issuer an id belongs to; 400 when the id is not "issuerId.identifier". */
  static issuerOf(id: unknown, field = 'id'): string {
    if (typeof id !== 'string' || !id) throw errors.invalid(`Missing required field: ${field}.`);
    const m = ID.exec(id);
    if (!m) throw errors.invalid(`Invalid resource ID: "${id}". It must be issuerId.identifier, the identifier using only alphanumeric characters, '.', '_' or '-'.`);
    return m[1]!;
  }

  insertClass(body: Resource): Resource {
    const id = body.id as string;
    if (this.classes.has(id)) throw errors.exists('class', id);
    const c = { ...body };
    this.classes.set(id, c);
    return c;
  }

  getClass(id: string): Resource {
    const c = this.classes.get(id);
    if (!c) throw errors.notFound('class', id);
    return c;
  }

  insertObject(body: Resource): Resource {
    const id = body.id as string;
    WalletStore.issuerOf(body.classId, 'classId');
    localized(body.cardTitle, 'cardTitle', true);
    localized(body.header, 'header', true);
    localized(body.subheader, 'subheader', false);
    const state = stateOf(body.state ?? 'ACTIVE');
    barcode(body.barcode);
    if (!this.classes.has(body.classId as string)) throw errors.notFound('class', body.classId as string);
    if (this.objects.has(id)) throw errors.exists('object', id);
    const o = { ...body, state, hasUsers: false };
    this.objects.set(id, o);
    return o;
  }

  getObject(id: string): Resource {
    const o = this.objects.get(id);
    if (!o) throw errors.notFound('object', id);
    return o;
  }

  patchObject(id: string, body: Resource): Resource {
    const o = this.getObject(id);
    if (body.id !== undefined && body.id !== id) throw errors.invalid(`The id in the body (${String(body.id)}) does not match the resource id ${id}.`);
    if (body.classId !== undefined && body.classId !== o.classId) throw errors.invalid('classId cannot be changed.');
    if (body.cardTitle !== undefined) localized(body.cardTitle, 'cardTitle', true);
    if (body.header !== undefined) localized(body.header, 'header', true);
    if (body.barcode !== undefined) barcode(body.barcode);
    const next = { ...o, ...body, ...(body.state !== undefined ? { state: stateOf(body.state) } : {}), id, hasUsers: o.hasUsers };
    this.objects.set(id, next);
    return next;
  }
}

function stateOf(v: unknown): string {
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  if (!(STATES as readonly string[]).includes(s)) throw errors.invalid(`Invalid value at 'state' (type.googleapis.com/google.walletobjects.v1.State), "${String(v)}"`);
  return s;
}

/** LocalizedString: {defaultValue: {language, value}, translatedValues?}. */
function localized(v: unknown, field: string, required: boolean): void {
  if (v === undefined) {
    if (required) throw errors.invalid(`Missing required field: ${field}.`);
    return;
  }
  const dv = (v as { defaultValue?: { value?: unknown; language?: unknown } } | null)?.defaultValue;
  if (typeof dv?.value !== 'string' || !dv.value) throw errors.invalid(`Invalid ${field}: a LocalizedString needs defaultValue.value.`);
  if (typeof dv.language !== 'string' || !dv.language) throw errors.invalid(`Invalid ${field}: defaultValue.language is required.`);
}

function barcode(v: unknown): void {
  if (v === undefined) return;
  const b = v as { type?: unknown; value?: unknown } | null;
  if (typeof b?.type !== 'string' || !BARCODES.includes(b.type)) throw errors.invalid(`Invalid value at 'barcode.type', "${String(b?.type)}"`);
  if (b.type !== 'TEXT_ONLY' && (typeof b.value !== 'string' || !b.value)) throw errors.invalid('Missing required field: barcode.value.');
}
