/**
 * The IdP set-up guides for one list (src/lists/idp-guides.ts filled with the list's base
 * URL, unique identifier and mapping), and the guide's live check: what the IdP's requests did
 * since the guide was opened, failures in words with what to change in the IdP.
 */
import type { MasterList, RequestLogRow, Store } from '../store/index.js';
import { IDP_GUIDES, renderGuide, type GuideList, type IdpKey, type RenderedGuide } from './idp-guides.js';

/** The keys and titles, for the route's 404 and the OpenAPI enum. */
export const SETUP_GUIDES: ReadonlyMap<string, string> = new Map([...IDP_GUIDES.values()].map((g) => [g.key, g.title]));

/** In the web app the token comes from the guide's own button, labelled after the IdP. */
const IN_APP_TOKEN = 'the token you created above for {idp}';

export interface LiveCheck {
  /** Where the check started; the client sends these back on every poll. */
  readonly since: LiveCheckSince;
  readonly requests: number;
  readonly created: number;
  readonly updated: number;
  readonly deactivated: number;
  readonly reactivated: number;
  readonly deleted: number;
  readonly groups: number;
  readonly failed: number;
  readonly failures: readonly FailureInWords[];
}

/**
 * Where a live check starts: the audit trail's head (events commit with the request), and the
 * request log's newest id and the time. The request log is written in batches, so an entry of a
 * request made just before the guide opened can get a higher id than the mark: `time` leaves it out.
 */
export interface LiveCheckSince { readonly seq: number; readonly request: number; readonly time: string }

export interface FailureInWords {
  readonly time: string;
  readonly method: string;
  readonly status: number;
  readonly scimType: string | null;
  /** What went wrong, in words. */
  readonly what: string;
  /** What to change in the IdP. */
  readonly fix: string;
}

/**
 * A failed SCIM request in words. The statuses and scimTypes are RFC 7644 §3.12's; each is mapped
 * to what an administrator changes in the IdP's console.
 */
export function failureInWords(row: { status: number; method: string; response_body: string | null }, idp: string, uidWords: string): Omit<FailureInWords, 'time' | 'method' | 'status'> {
  let scimType: string | null = null, detail = '';
  try {
    const b: unknown = row.response_body ? JSON.parse(row.response_body) : null;
    if (b && typeof b === 'object') {
      const o = b as { scimType?: unknown; detail?: unknown };
      if (typeof o.scimType === 'string') scimType = o.scimType;
      if (typeof o.detail === 'string') detail = o.detail.slice(0, 300);
    }
  } catch { /* not JSON: the status alone says enough */ }
  const s = row.status;
  const said = detail ? ` Muster said: “${detail}”` : '';
  if (s === 401) return { scimType, what: `${idp} was refused: the token it sent is wrong, revoked or missing.`, fix: `Create a new token in this guide and paste it into ${idp}'s token field, with nothing before or after it.` };
  if (s === 403) return { scimType, what: `${idp} was refused: this list does not take SCIM requests (it syncs from Entra ID, or SCIM was turned off).${said}`, fix: `Turn SCIM on for this list on the Sync tab, or point ${idp} at a list that uses SCIM.` };
  if (s === 404) return { scimType, what: `${idp} asked for a person or group that is not on this list.${said}`, fix: `Check the base URL in ${idp} ends with this list's address; if it does, ${idp} will create the person again on its next run.` };
  if (s === 409) return { scimType, what: `${idp} tried to add a person whose ${uidWords} (or external id) is already on this list.${said}`, fix: `In ${idp}, make the matching attribute the one this list is keyed on, so ${idp} finds the existing person instead of creating a second one; or remove the duplicate from this list.` };
  if (s === 400 && scimType === 'invalidValue') return { scimType, what: `${idp} sent a value Muster cannot store, often a missing ${uidWords}.${said}`, fix: `In ${idp}'s attribute mapping, make sure every person has a ${uidWords} and that it is mapped as shown in this guide.` };
  if (s === 400 && scimType === 'invalidFilter') return { scimType, what: `${idp} searched with a filter Muster does not understand.${said}`, fix: `Use the matching attribute this guide names (userName, or the work email).` };
  if (s === 400 && scimType === 'invalidSyntax') return { scimType, what: `${idp} sent a request Muster could not read.${said}`, fix: `Check the attribute mapping in ${idp} for an attribute with an odd name or expression.` };
  if (s === 400) return { scimType, what: `${idp} sent a request Muster refused.${said}`, fix: `Check the attribute mapping in ${idp} against this guide's table.` };
  if (s === 413) return { scimType, what: `${idp} sent a request larger than Muster accepts.${said}`, fix: `Send fewer members per group change, or smaller photos.` };
  if (s === 429) return { scimType, what: `${idp} sent requests faster than this list accepts; Muster asked it to wait.`, fix: `Nothing: ${idp} retries on its own.` };
  return { scimType, what: `Muster could not answer ${idp} (error ${s}).${said}`, fix: `${idp} retries on its next run; if this keeps happening, contact support with the time of the request.` };
}

export class SetupGuides {
  constructor(private readonly store: Store) {}

  /** The guide for `idp`, filled for this list; undefined for an IdP without a guide. */
  async guide(idp: string, list: MasterList, baseUrl: string): Promise<RenderedGuide | undefined> {
    const g = IDP_GUIDES.get(idp as IdpKey);
    if (!g) return undefined;
    return renderGuide(g, await this.guideList(list, baseUrl), IN_APP_TOKEN);
  }

  private async guideList(list: MasterList, baseUrl: string): Promise<GuideList> {
    const fields = new Map((await this.store.roster.fields(list.id)).map((f) => [f.key, f]));
    const mapping = (await this.store.roster.mapping(list.id)).flatMap((m) => {
      const f = fields.get(m.field);
      return f ? [{ source: m.source, label: f.label, unique: f.unique }] : [];
    });
    return { baseUrl, uid: list.uidAttribute, mapping };
  }

  /**
   * The live check: without `since`, where the audit trail and request log stand now (the guide
   * was just opened); with it, what SCIM tokens did after that, counted in SQL on indexed columns.
   */
  async liveCheck(list: MasterList, idp: string, since?: LiveCheckSince): Promise<LiveCheck> {
    // The request mark is read before the time is taken: an entry logged from then on has both a higher id and a later time.
    const start = since ?? { seq: (await this.store.audit.chain(list.id, false))?.headSeq ?? 0, request: await this.store.audit.lastRequestId(list.id), time: new Date().toISOString() };
    const counts = await this.store.audit.scimActionCounts(list.id, start.seq);
    const req = await this.store.audit.requestsAfter(list.id, start.request, start.time, 5);
    const n = (a: string) => counts.get(a) ?? 0;
    const title = IDP_GUIDES.get(idp as IdpKey)?.title ?? 'your identity provider';
    const uidWords = list.uidAttribute === 'employeeNumber' ? 'employee number' : list.uidAttribute === 'email' ? 'work email' : 'username';
    return {
      since: start, requests: req.total,
      created: n('person.created'), updated: n('person.updated'), deactivated: n('person.deactivated'), reactivated: n('person.reactivated'), deleted: n('person.deleted'),
      groups: n('group.created') + n('group.updated') + n('group.members_added') + n('group.members_removed') + n('group.deleted'),
      failed: req.failed,
      failures: req.failures.map((r: RequestLogRow) => ({ time: r.time, method: r.method, status: r.status, ...failureInWords(r, title, uidWords) })),
    };
  }
}
