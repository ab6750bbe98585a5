/**
 * Wallet passes delivered by email (issue 14, items 1 and 4): one email per person, through the
 * organisation's `wallet_pass` template, with the Apple Wallet download link and Google's "Save to
 * Google Wallet" link of their newest valid passes. A person without a valid pass of a kind the
 * organisation can issue (its own credentials or the installation's) is issued one first, so
 * "deliver to everyone" is one step. From a person's page it is one request; for a selection or
 * a whole list it is a background job (a row in `jobs`) whose progress the web app shows.
 * Each email is recorded in the person's history (`email.queued`, kind `wallet_pass`).
 */
import { randomUUID } from 'node:crypto';
import { EmailError, messageView, personEmail, type EmailService } from '../email/email-service.js';
import type { JobRow, MasterList, Store } from '../store/index.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { CredentialError, holderName, type CredentialService } from './credential-service.js';
import { issueCapabilities } from './wallet-capability.js';
import type { WalletLinkBuilder } from './wallet-links.js';
import { yieldToEventLoop } from '../runtime/turns.js';

export const WALLET_DELIVERY_JOB = 'wallet_delivery';
const MAX_PEOPLE = 50_000;
const WALLET_KINDS = ['apple_pass', 'google_pass'] as const;

interface DeliveryParams {
  personIds: string[] | null;
  origin: string;
  actor: string;
  /** Where a resumed job carries on, and its counts so far (the job's progress). */
  state: { index: number; afterSeq: number; sent: number; skipped: number };
  skippedPeople: { id: string; reason: string; message: string }[];
}

export class WalletDelivery {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly credentials: CredentialService,
    private readonly links: WalletLinkBuilder,
    private readonly email: EmailService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private requireSmtp(): void {
    if (!this.email.configured) throw new EmailError(409, 'email_not_configured', 'this Muster sends no email: its operator has not set MUSTER_SMTP_URL. Open the person\'s passes and pass the links on yourself.');
  }

  /** Emails one person their wallet passes, issuing those they lack. Answers the queued message. */
  async deliver(list: MasterList, personId: string, meta: RequestMeta, origin: string) {
    this.requireSmtp();
    const person = await this.store.users.get(list.id, personId);
    if (!person) throw new EmailError(404, 'not_found', `no person "${personId}" on this list`);
    if (person.data.active === false) throw new CredentialError(409, 'person_inactive', 'this person is deactivated: no pass can be delivered until the IdP reactivates them');
    const to = personEmail(person.data);
    if (!to) throw new EmailError(422, 'no_email_address', 'this person has no email address on the list: open their passes and pass the links on yourself');
    const can = await issueCapabilities(this.store, list.orgId);
    const valid = (await this.credentials.forPerson(list, personId)).filter((c) => c.status === 'valid');
    const issued: string[] = [];
    for (const kind of WALLET_KINDS) {
      if (!can[kind].available || valid.some((c) => c.kind === kind)) continue;
      await this.credentials.issue(list, personId, kind, meta, origin);
      issued.push(kind);
    }
    const links = await this.links.forPerson(list, personId, origin);
    if (!links.apple && !links.google) {
      throw new EmailError(409, 'no_wallet_pass', 'neither Apple nor Google Wallet is set up for your organisation or this installation, so there is no pass to deliver: set one up under Wallet settings');
    }
    // The message as this request queued it (read in its transaction): once committed, the
    // outbox may already be sending it, and the answer describes what this request did.
    const message = await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      const [messageId] = await this.email.enqueue(tx, [{
        orgId: list.orgId, listId: list.id, personId, kind: 'wallet_pass', to,
        values: { name: holderName(person.data), appleLink: links.apple?.url ?? '', googleLink: links.google?.saveUrl ?? '' },
      }], meta);
      await this.audit.record(tx, list.id, {
        action: 'email.queued', target: { type: 'person', id: personId, name: holderName(person.data) },
        detail: { messageId, kind: 'wallet_pass', to, apple: links.apple !== null, google: links.google !== null, ...(issued.length ? { issued } : {}) },
      }, meta);
      return messageView((await tx.email.get(messageId!))!);
    });
    return { message, issued, apple: links.apple !== null, google: links.google !== null };
  }

  /** Queues delivery to the people named, or to every active person of the list. Answers the job's id. */
  async start(list: MasterList, input: { personIds?: unknown }, meta: RequestMeta, origin: string): Promise<string> {
    this.requireSmtp();
    let personIds: string[] | null = null;
    if (input.personIds !== undefined) {
      if (!Array.isArray(input.personIds) || input.personIds.length === 0 || input.personIds.length > MAX_PEOPLE || !input.personIds.every((x) => typeof x === 'string' && x.length <= 200)) {
        throw new EmailError(400, 'invalid_body', `personIds must list 1 to ${MAX_PEOPLE} person ids (or leave it out for everyone active on the list)`);
      }
      personIds = [...new Set(input.personIds as string[])];
    }
    const total = personIds?.length ?? (await this.store.roster.counts(list.id)).active;
    const params: DeliveryParams = { personIds, origin, actor: meta.actor, state: { index: 0, afterSeq: 0, sent: 0, skipped: 0 }, skippedPeople: [] };
    const id = randomUUID();
    await this.store.roster.enqueue({ id, listId: list.id, kind: WALLET_DELIVERY_JOB, params, total, now: this.now().toISOString() });
    return id;
  }

  /**
   * The job's handler. Progress is saved after each person, so a job a dead node leaves is
   * resumed by another from the next person: at most the one person in flight is emailed twice.
   */
  async run(job: JobRow, save: (params: unknown, done: number) => Promise<boolean>): Promise<unknown> {
    const p = JSON.parse(job.params) as DeliveryParams;
    const list = await this.store.lists.get(job.list_id);
    if (!list) throw new EmailError(404, 'not_found', 'the list no longer exists');
    const meta: RequestMeta = { actor: p.actor, requestId: job.id };
    const one = async (id: string) => {
      try {
        await this.deliver(list, id, meta, p.origin);
        p.state.sent++;
      } catch (err) {
        if (!(err instanceof EmailError) && !(err instanceof CredentialError)) throw err;
        p.state.skipped++;
        if (p.skippedPeople.length < 1000) p.skippedPeople.push({ id, reason: err.code, message: err.message });
        // Without SMTP or any wallet, nobody else can be served either: stop with the reason.
        if (err.code === 'email_not_configured' || err.code === 'no_wallet_pass') throw err;
      }
      if (!(await save(p, p.state.sent + p.state.skipped))) throw new EmailError(409, 'invalid_body', 'the delivery job was taken over by another node');
    };
    if (p.personIds) {
      while (p.state.index < p.personIds.length) {
        const id = p.personIds[p.state.index]!;
        p.state.index++;
        await one(id);
      }
    } else {
      for (;;) {
        const batch = await this.store.roster.usersAfter(list.id, p.state.afterSeq, 200);
        if (!batch.length) break;
        for (const u of batch) {
          p.state.afterSeq = u.seq;
          if (u.data.active === false) continue;
          await one(u.id);
        }
        await yieldToEventLoop();
      }
    }
    return { sent: p.state.sent, skipped: p.skippedPeople, skippedCount: p.state.skipped };
  }
}
