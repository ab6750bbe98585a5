/**
 * The `apple.push` job: tells every device registered for a pass that it changed, after the
 * transaction that changed it committed. One empty push per device (push token) over APNs; the
 * device then asks the web service which passes changed and fetches them (Wallet Developer
 * Guide, "Updating a Pass"). Tokens APNs calls invalid lose their registrations; throttling and
 * server errors put the job back in the queue with exponential backoff, for the tokens still
 * due only, so a revocation's push is not lost when APNs is briefly unavailable.
 */
import type { JobRow, Store } from '../../store/index.js';
import type { ApnsClient, ApnsOutcome } from './apns-client.js';
import type { AuditTrail, RequestMeta } from '../../audit/audit-trail.js';
import { holderName } from '../credential-service.js';
import { RetryLater } from '../../jobs/job-runner.js';
import type { AppleWalletSettings } from './apple-wallet-settings.js';

/** Attempts before giving up; with the backoff below the last one is about half an hour after the first. */
export const MAX_PUSH_ATTEMPTS = 12;
const backoffMs = (attempt: number) => Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));

interface PushParams {
  readonly credentialId: string;
  readonly status?: string;
  readonly requestId?: string | null;
  readonly actor?: string;
  /** The push tokens still due after an earlier attempt (all of the pass's, the first time). */
  readonly pending?: readonly string[];
}

type PushEvent = { action: 'credential.pass_pushed' | 'credential.push_failed'; detail: Record<string, unknown> }
  /** A push token APNs says is no longer valid: its registrations are dropped, each recorded as `credential.device_unregistered`. */
  | { drop: { passType: string; token: string; before: string; reason: string } };

export class PassPushJob {
  constructor(
    private readonly store: Store,
    private readonly settings: AppleWalletSettings,
    private readonly apns: ApnsClient,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(job: JobRow): Promise<unknown> {
    const p = JSON.parse(job.params) as PushParams;
    const c = await this.store.credentials.get(p.credentialId);
    const pass = c ? await this.store.appleWallet.pass(c.id) : undefined;
    const list = c ? await this.store.lists.get(c.list_id) : undefined;
    if (!c || !pass || !list) return { skipped: 'the credential no longer exists' };
    const meta: RequestMeta = { actor: 'system', ...(p.requestId ? { requestId: p.requestId } : {}) };
    const regs = await this.store.appleWallet.registrationsOf(c.id);
    const devicesOf = new Map<string, string[]>();
    for (const r of regs) devicesOf.set(r.push_token, [...(devicesOf.get(r.push_token) ?? []), r.device_library_identifier]);
    const due = [...devicesOf.keys()].filter((t) => !p.pending || p.pending.includes(t));
    const config = await this.settings.config(list.orgId, pass.pass_type_identifier);
    const events: PushEvent[] = [];
    if (!config) {
      events.push({ action: 'credential.push_failed', detail: { reason: 'Apple Wallet is no longer configured for the organisation', devices: due.length } });
      await this.record(c.list_id, c.id, c.person_id, events, meta);
      return { sent: 0, failed: due.length };
    }
    const retry: Array<{ token: string; outcome: ApnsOutcome }> = [];
    let sent = 0, failed = 0;
    for (const token of due) {
      const devices = devicesOf.get(token) ?? [];
      const o = await this.apns.push(config.signing, pass.pass_type_identifier, token);
      if (o.kind === 'sent') {
        sent++;
        events.push({ action: 'credential.pass_pushed', detail: { devices, apnsId: o.apnsId ?? null, status: p.status ?? null, attempt: job.attempts } });
      } else if (o.kind === 'invalid-token') {
        // APNs 410 carries when the token stopped being valid; a registration renewed after that
        // stays. Dropped in the transaction that records it (record()), so that the registrations
        // and the audit trail never disagree, even if the node stops in between.
        events.push({ drop: { passType: pass.pass_type_identifier, token, before: o.since ?? this.now().toISOString(), reason: `APNs ${o.status} ${o.reason}` } });
      } else if (o.kind === 'retry') {
        retry.push({ token, outcome: o });
      } else {
        failed++;
        events.push({ action: 'credential.push_failed', detail: { devices, status: o.status, reason: o.reason, final: true } });
      }
    }
    if (retry.length && job.attempts < MAX_PUSH_ATTEMPTS) {
      const inMs = backoffMs(job.attempts);
      for (const r of retry) {
        const o = r.outcome as Extract<ApnsOutcome, { kind: 'retry' }>;
        events.push({ action: 'credential.push_failed', detail: { devices: devicesOf.get(r.token) ?? [], status: o.status, reason: o.reason, attempt: job.attempts, final: false, retryInMs: inMs } });
      }
      await this.record(c.list_id, c.id, c.person_id, events, meta);
      const first = retry[0]!.outcome as Extract<ApnsOutcome, { kind: 'retry' }>;
      throw new RetryLater(inMs, `APNs ${first.status || ''} ${first.reason}`.trim(), { ...p, pending: retry.map((r) => r.token) });
    }
    for (const r of retry) {
      failed++;
      const o = r.outcome as Extract<ApnsOutcome, { kind: 'retry' }>;
      events.push({ action: 'credential.push_failed', detail: { devices: devicesOf.get(r.token) ?? [], status: o.status, reason: o.reason, attempts: job.attempts, final: true } });
    }
    const dropped = await this.record(c.list_id, c.id, c.person_id, events, meta);
    return { sent, dropped, failed };
  }

  /** Records the events (and drops the registrations of invalid tokens) in one transaction; returns how many registrations were dropped. */
  private async record(listId: string, credentialId: string, personId: string, events: readonly PushEvent[], meta: RequestMeta): Promise<number> {
    if (!events.length) return 0;
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(listId, true);
      const person = await tx.users.get(listId, personId);
      const target = { type: 'credential' as const, id: credentialId, name: person ? holderName(person.data) : null };
      let dropped = 0;
      for (const e of events) {
        if ('drop' in e) {
          const gone = await tx.appleWallet.dropPushToken(e.drop.passType, credentialId, e.drop.token, e.drop.before);
          dropped += gone.length;
          for (const g of gone) {
            await this.audit.record(tx, listId, {
              action: 'credential.device_unregistered', target,
              detail: { kind: 'apple_pass', personId, device: g.device_library_identifier, serialNumber: g.serial_number, reason: e.drop.reason },
            }, meta);
          }
          continue;
        }
        await this.audit.record(tx, listId, { action: e.action, target, detail: { kind: 'apple_pass', personId, ...e.detail } }, meta);
      }
      return dropped;
    });
  }
}
