import { randomUUID } from 'node:crypto';
import { validateTemplate, type CardTemplate } from './card-template.js';
import { defaultTemplate } from './default-template.js';
import type { BatchPerson } from './print-sheet.js';
import type { TemplateProblem } from './template-reader.js';
import { PRINT_LAYOUTS, type PrintLayout } from './units.js';

/** pdf-lib, fontkit and the fonts load on the first preview or print, not at start (about 40 MB). */
const renderers = () => Promise.all([import('./card-pdf.js'), import('./print-sheet.js')])
  .then(([pdf, sheet]) => ({ renderCardPdf: pdf.renderCardPdf, CardRenderError: pdf.CardRenderError, renderBatch: sheet.renderBatch }));
import type { CardTemplateRow, JobRow, MasterList, Store } from '../store/index.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { MAX_EVENT_PEOPLE } from '../roster/audit.js';
import { holderName, type CredentialService } from './credential-service.js';
import { personEmail, type EmailService, type NewMessage } from '../email/email-service.js';
import { yieldToEventLoop } from '../runtime/turns.js';

/**
 * Card templates per list, previews on a real person, and print batches as background jobs
 * (docs/cards.md). A printed card is a credential: printing issues each printed person a `card`
 * credential (or reuses their valid one), whose verification URL the card's QR code carries.
 */
export const PRINT_JOB = 'print';
const MAX_PEOPLE = 50_000;

export class CardError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 422, readonly code: string, message: string, readonly problems: readonly TemplateProblem[] = []) {
    super(message);
    this.name = 'CardError';
  }
}

export interface TemplateView {
  readonly id: string;
  readonly name: string;
  readonly template: CardTemplate;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

interface PrintParams {
  templateId: string;
  layout: PrintLayout;
  sides: 'front' | 'both';
  personIds: string[] | null;
  reissue: boolean;
  origin: string;
  actor: string;
}

/** `{organisation}` on a card is the person's organisation from the IdP, else the organisation running Muster. */
function withOrganisation(fields: Record<string, unknown>, orgName: string): Record<string, unknown> {
  const v = fields.organisation;
  return v === undefined || v === null || v === '' ? { ...fields, organisation: orgName } : fields;
}

const view = (r: CardTemplateRow): TemplateView => ({
  id: r.id, name: r.name, template: JSON.parse(r.template) as CardTemplate, createdAt: r.created_at, updatedAt: r.updated_at, updatedBy: r.updated_by,
});

export class CardService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly credentials: CredentialService,
    /** Sends "your card is ready" to the people of a finished batch, where the organisation turned it on. */
    private readonly email: EmailService | undefined = undefined,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  private async validate(list: MasterList, input: unknown): Promise<CardTemplate> {
    const fieldKeys = (await this.store.roster.fields(list.id)).map((f) => f.key);
    const r = validateTemplate(input, { fieldKeys });
    if (!r.ok) throw new CardError(422, 'invalid_template', `the template has ${r.problems.length} problem(s): ${r.problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`).join('; ')}`, r.problems);
    return r.template;
  }

  /** The list's templates; a list that has none gets the default staff card, so there is always one to start from. */
  async templates(list: MasterList, meta: RequestMeta): Promise<TemplateView[]> {
    const rows = await this.store.cards.templates(list.id);
    if (rows.length) return rows.map(view);
    const t = await this.validate(list, defaultTemplate());
    const at = this.now();
    const row = { id: randomUUID(), list_id: list.id, name: t.name, template: JSON.stringify(t), created_at: at, updated_at: at, updated_by: meta.actor };
    // Once per list, even when two first requests race.
    await this.store.transaction(async (tx) => {
      if (await tx.admins.claimSingleton(`default-card-template:${list.id}`, at)) await tx.cards.insertTemplate(row);
    });
    return (await this.store.cards.templates(list.id)).map(view);
  }

  async template(list: MasterList, id: string): Promise<TemplateView> {
    const r = await this.store.cards.template(id);
    if (!r || r.list_id !== list.id) throw new CardError(404, 'not_found', `no card template "${id}" on this list`);
    return view(r);
  }

  async save(list: MasterList, id: string | undefined, input: unknown, meta: RequestMeta): Promise<TemplateView> {
    const t = await this.validate(list, input);
    const at = this.now();
    if (id) {
      await this.template(list, id);
      await this.store.cards.updateTemplate(id, { name: t.name, template: JSON.stringify(t), updated_at: at, updated_by: meta.actor });
      return this.template(list, id);
    }
    const row = { id: randomUUID(), list_id: list.id, name: t.name, template: JSON.stringify(t), created_at: at, updated_at: at, updated_by: meta.actor };
    await this.store.cards.insertTemplate(row);
    return view(row);
  }

  /** Deletes a template; the last one stays (a list always has a card to print). */
  async remove(list: MasterList, id: string): Promise<void> {
    await this.template(list, id);
    // Under the list's lock (the one every write of the list takes first), so two deletions of
    // its last two templates run one after the other and the second is refused.
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      const templates = await tx.cards.templates(list.id);
      if (!templates.some((t) => t.id === id)) return; // deleted meanwhile: nothing left to do
      if (templates.length <= 1) throw new CardError(409, 'last_template', 'this is the list\'s only card template: add another before deleting it');
      await tx.cards.deleteTemplate(id);
    });
  }

  /**
   * One person's card as a PDF, front and back, with a template as saved or as being edited
   * (the editor's live preview). Nothing is issued: the QR code shows a sample verification URL.
   */
  async preview(list: MasterList, input: { templateId?: unknown; template?: unknown; personId?: unknown }, origin: string): Promise<Uint8Array> {
    const template = input.template !== undefined ? await this.validate(list, input.template) : (await this.template(list, String(input.templateId ?? ''))).template;
    if (typeof input.personId !== 'string') throw new CardError(400, 'invalid_body', 'choose a person to preview the card on: {"personId": "…"}');
    const person = await this.store.users.get(list.id, input.personId);
    if (!person) throw new CardError(404, 'not_found', `no person "${input.personId}" on this list`);
    const row = (await this.store.roster.people({ listId: list.id, offset: 0, limit: 1, personId: person.id }))[0];
    const photo = await this.store.photos.approvedImage(person.id);
    const valid = (await this.credentials.forPerson(list, person.id)).find((c) => c.kind === 'card' && c.status === 'valid');
    const orgName = (await this.store.lists.organisation(list.orgId))?.name ?? '';
    const { renderCardPdf, CardRenderError } = await renderers();
    try {
      return await renderCardPdf(template, {
        fields: withOrganisation((row?.fields ?? {}) as Record<string, unknown>, orgName), ...(photo ? { photo } : {}),
        verifyUrl: valid ? this.credentials.view(valid, origin).verifyUrl : `${origin}/v/preview`,
      });
    } catch (err) {
      // What a print run reports as a skipped person is, for a preview of that person, the answer.
      if (err instanceof CardRenderError) throw new CardError(422, 'card_unrenderable', `${err.message} (${err.code})`);
      throw err;
    }
  }

  /** Queues a print batch: the people named, or every active person with an approved photo. */
  async print(list: MasterList, input: { templateId?: unknown; layout?: unknown; sides?: unknown; personIds?: unknown; reissue?: unknown }, meta: RequestMeta, origin: string): Promise<string> {
    await this.template(list, String(input.templateId ?? ''));
    const layout = (input.layout ?? 'a4') as PrintLayout;
    if (!PRINT_LAYOUTS.includes(layout)) throw new CardError(400, 'invalid_body', `layout must be one of ${PRINT_LAYOUTS.join(', ')}`);
    const sides = input.sides ?? 'both';
    if (sides !== 'front' && sides !== 'both') throw new CardError(400, 'invalid_body', 'sides must be front or both');
    let personIds: string[] | null = null;
    if (input.personIds !== undefined) {
      if (!Array.isArray(input.personIds) || input.personIds.length === 0 || input.personIds.length > MAX_PEOPLE || !input.personIds.every((x) => typeof x === 'string')) {
        throw new CardError(400, 'invalid_body', `personIds must list 1 to ${MAX_PEOPLE} person ids (or leave it out to print everyone with an approved photo)`);
      }
      personIds = [...new Set(input.personIds as string[])];
    }
    const total = personIds?.length ?? (await this.store.photos.countApprovedActive(list.id));
    const params: PrintParams = { templateId: String(input.templateId), layout, sides, personIds, reissue: input.reissue === true, origin, actor: meta.actor };
    const id = randomUUID();
    await this.store.roster.enqueue({ id, listId: list.id, kind: PRINT_JOB, params, total, now: this.now() });
    return id;
  }

  /** The print job's handler: renders the batch, issuing card credentials as it goes, and stores the PDF. */
  async run(job: JobRow, save: (params: unknown, done: number) => Promise<boolean>): Promise<unknown> {
    const params = JSON.parse(job.params) as PrintParams;
    const list = await this.store.lists.get(job.list_id);
    if (!list) throw new CardError(404, 'not_found', 'the list no longer exists');
    const template = (await this.template(list, params.templateId)).template;
    const meta: RequestMeta = { actor: params.actor, requestId: job.id };
    const orgName = (await this.store.lists.organisation(list.orgId))?.name ?? '';
    const inactive: { id: string; reason: string; message: string }[] = [];
    const { store, credentials } = this;
    async function* people(): AsyncGenerator<BatchPerson> {
      const consider = async (id: string, rosterFields: Record<string, unknown>, active: boolean): Promise<BatchPerson | undefined> => {
        const fields = withOrganisation(rosterFields, orgName);
        if (!active) {
          inactive.push({ id, reason: 'inactive', message: 'the person is deactivated' });
          return undefined;
        }
        const photo = await store.photos.approvedImage(id);
        if (!photo) {
          if ((await store.photos.ofPerson(id, ['pending'])).length) {
            inactive.push({ id, reason: 'photo_not_approved', message: 'the photo is waiting for review' });
            return undefined;
          }
          return { id, fields, photoApproved: false };
        }
        let card = (await credentials.forPerson(list!, id)).find((c) => c.kind === 'card' && c.status === 'valid');
        if (card && params.reissue) {
          await credentials.act(list!, card.id, 'revoke', meta, 'replaced by a reprinted card');
          card = undefined;
        }
        card ??= await credentials.issue(list!, id, 'card', meta);
        return { id, fields, photo, photoApproved: true, verifyUrl: credentials.view(card, params.origin).verifyUrl };
      };
      if (params.personIds) {
        for (const id of params.personIds) {
          const row = (await store.roster.people({ listId: list!.id, offset: 0, limit: 1, personId: id }))[0];
          if (!row) {
            inactive.push({ id, reason: 'not_found', message: 'no such person on the list' });
            continue;
          }
          const p = await consider(id, (row.fields ?? {}) as Record<string, unknown>, row.active !== false);
          if (p) yield p;
        }
        return;
      }
      let after = 0;
      for (;;) {
        const batch = await store.roster.usersAfter(list!.id, after, 200);
        if (!batch.length) return;
        const approved = await store.photos.approvedAmong(batch.map((u) => u.id));
        for (const u of batch) {
          // Everyone without an approved photo is left out of an "everyone" batch quietly; a named batch reports them.
          if (u.data.active === false || !approved.has(u.id)) continue;
          const p = await consider(u.id, u.fields, true);
          if (p) yield p;
        }
        after = batch[batch.length - 1]!.seq;
        await yieldToEventLoop();
      }
    }
    const { renderBatch } = await renderers();
    const result = await renderBatch(template, people(), { layout: params.layout, sides: params.sides, title: `${list.name}: ${template.name}`, total: Number(job.total) }, async (p) => {
      if (!(await save(params, p.done))) throw new CardError(409, 'superseded', 'the print job was taken over by another node');
    });
    await this.store.cards.saveOutput({ job_id: job.id, list_id: list.id, pdf: result.pdf ? Buffer.from(result.pdf) : null, pages: result.pages, created_at: this.now() });
    const skipped = [...inactive, ...result.skipped];
    await this.store.transaction(async (tx) => {
      // "Your card is ready" (issue 14): the batch is printed, so each card in it is; queued with
      // the event that says so, once per finished job (a job runs to here once: its output is saved).
      let cardReadyEmails: number | undefined;
      if (this.email?.configured && result.printed.length && (await tx.lists.cardReadyEmail(list.orgId))) {
        const data = await tx.users.dataOf(list.id, result.printed);
        const messages: NewMessage[] = [];
        for (const id of result.printed) {
          const doc = data.get(id);
          const to = doc ? personEmail(doc) : undefined;
          if (doc && to) messages.push({ orgId: list.orgId, listId: list.id, personId: id, kind: 'card_ready', to, values: { name: holderName(doc) } });
        }
        if (messages.length) await this.email.enqueue(tx, messages, meta);
        cardReadyEmails = messages.length;
      }
      await this.audit.record(tx, list.id, {
        action: 'cards.printed', target: { type: 'list', id: list.id, name: list.name },
        // Who was printed, so each person's history shows the batch (audit_people files it under them).
        detail: {
          jobId: job.id, template: template.name, layout: params.layout, sides: params.sides, printed: result.printed.length, skipped: skipped.length,
          people: result.printed.slice(0, MAX_EVENT_PEOPLE), ...(result.printed.length > MAX_EVENT_PEOPLE ? { peopleTruncated: true } : {}),
          ...(cardReadyEmails !== undefined ? { cardReadyEmails } : {}),
        },
      }, meta);
    });
    return { pages: result.pages, printed: result.printed.length, skipped: skipped.slice(0, 1000), skippedCount: skipped.length, layout: params.layout };
  }
}
