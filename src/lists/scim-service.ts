/**
 * The SCIM operations of one master list (RFC 7644 §3): create, read, replace, modify, delete
 * and query Users and Groups. Pure SCIM rules come from scim/; this file only orders them
 * around one store transaction per request so that a request that fails changes nothing.
 */
import { ScimError, notFound, invalidFilter, invalidValue } from '../scim/errors.js';
import type { Normalisations } from '../scim/dialect.js';
import { filterNames, parseFilter, parseAttrPath, type Filter } from '../scim/filter/index.js';
import { PatchEngine, memberRefs, type MemberOp } from '../scim/patch.js';
import { mayReturn, parseAttributeList, project, type Projection, type ProjectionMemo } from '../scim/projection.js';
import { prepareResource, isObject, type Doc } from '../scim/resource.js';
import { JsonText, jsonOf, listEnvelope } from '../scim/json-text.js';
import { jsonEqual } from '../scim/json.js';
import { renderStored, spliceStored, storedTextRule } from '../scim/stored-text.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE, PATCH_OP, USER_SCHEMA, type ResourceTypeId, type SchemaRegistry } from '../scim/schemas/index.js';
import { diffResources, personUpdateAction, type FieldChange } from '../roster/audit.js';
import { memberChange, type AuditEventInput, type AuditTrail, type RequestMeta } from '../audit/audit-trail.js';
import { identifyIdp } from './idp.js';
import { derivedColumns, heldByImport, heldColumns, readStoredFields, rosterChanges, type ListSchema } from '../roster/derivation.js';
import type { RosterService } from './roster-service.js';
import type { AttributeTracker } from './attribute-tracker.js';
import { isLifecycleAction, type PersonLifecycle } from '../credentials/credential-service.js';
import { LARGE_WRITE, yieldIfLarge, yieldToEventLoop } from '../runtime/turns.js';
import { CursorPager } from './cursor-pager.js';
import { scimCompile, scimWrite } from './store-errors.js';
import {
  compileFilter, compileMemberFilter, elementSeeks, readsWholeList, singleSeek, sortExpression, uniqueUserKey, type FilterContext, type MasterList, type Repos, type Store,
  type UserRecord, type GroupRecord, type MemberRecord, type CallerGone, type CommitLater,
} from '../store/index.js';
import { newId } from '../runtime/ids.js';
import { merged } from '../runtime/objects.js';

/** A ListResponse of index paging (RFC 7644 §3.4.2.4); cursor pages (RFC 9865) have no startIndex. */
const listResponse = (totalResults: number, startIndex: number, resources: readonly (Doc | JsonText)[]): Doc =>
  ({ schemas: [LIST_RESPONSE], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources });

export interface ScimCtx {
  readonly list: MasterList;
  /**
   * False when the list held no group as the request's token was checked: the people a request
   * reads or writes are then shown as of that check, belonging to none, and their groups are not
   * read (renderPage, render). A group a concurrent request makes in between (even one a write
   * waited for at the list's lock) shows from the next request on. A filter that names groups
   * still reads them; a Bulk request, whose operations could make a group first, renders no
   * resource. Unset: read them.
   */
  readonly listHasGroups?: boolean;
  /** `https://host/scim/v2/lists/{id}`, for meta.location. */
  readonly baseUrl: string;
  readonly notes: Normalisations;
  /** Who is asking: for the audit trail. */
  readonly caller: ScimCaller;
  /** Whether the client has closed the connection: a query waiting in the lane is then not run (store/scan-pool.ts). */
  readonly gone?: CallerGone;
  /**
   * Where a write hands the promise of its commit instead of awaiting it (Store.transaction's
   * `later`): a Bulk operation, whose request awaits its operations' commits together.
   */
  readonly commitLater?: CommitLater;
}

export interface ScimCaller {
  readonly requestId: string;
  readonly tokenId: string;
  readonly tokenLabel: string;
  /** What this token's requests were identified as before (tokens.idp). */
  readonly tokenIdp: string | null;
  readonly userAgent: string | undefined;
  /** Who acts, when not a SCIM client (`entra-sync`). */
  readonly actor?: string;
  /** Where the IdP is known without guessing (Entra pull sync reads Graph itself). */
  readonly idp?: { readonly name: string; readonly evidence: string };
}

export interface QueryParams {
  readonly filter?: string | undefined;
  readonly sortBy?: string | undefined;
  readonly sortOrder?: string | undefined;
  readonly startIndex?: number | undefined;
  readonly count?: number | undefined;
  /** RFC 9865 cursor paging: '' for the first page, then a nextCursor or previousCursor. */
  readonly cursor?: string | undefined;
  readonly attributes?: string | undefined;
  readonly excludedAttributes?: string | undefined;
}

export interface Written {
  readonly resource: Doc;
  readonly etag: string;
  readonly location: string;
}

/** What a create answers when its caller does not send the resource back (a Bulk operation, Entra sync). */
export interface Placed {
  readonly id: string;
  readonly etag: string;
  readonly location: string;
}

export interface ScimLimits {
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  /**
   * Members from which a group in an answer (a read, a query, a write's answer) is sent as it is
   * read, a page at a time, instead of built whole in memory (MUSTER_GROUP_STREAM_FROM, default
   * GROUP_STREAM_FROM).
   */
  readonly groupStreamFrom?: number;
  /** RFC 9865 cursorTimeout, seconds (default CURSOR_TIMEOUT_S). */
  readonly cursorTimeoutS?: number;
}

type Rec = UserRecord | GroupRecord;
const endpoint = (rt: ResourceTypeId) => (rt === 'User' ? 'Users' : 'Groups');
export const etagOf = (version: number): string => `W/"${version}"`;
const MAX_RETRIES = 5;
/**
 * Members applied per step: each step is a few indexed queries, then the event loop gets a turn
 * (with SQLite every query is synchronous, so a 10,000-member request would otherwise hold the
 * loop from start to end; issue 12).
 */
const MEMBER_STEP = 500;
/**
 * A group of this many members or more is sent as it is read (see streamed()): a million-member
 * group is about 215 MB of JSON, which built whole would take several times that in heap and hold
 * the event loop, and so every other organisation on the node, for seconds.
 */
export const GROUP_STREAM_FROM = 10_000;
/**
 * From this `startIndex` offset on, a page runs in the lane of whole-list queries (store/scan-pool.ts):
 * skipping 10,000 index entries costs about a millisecond, 900,000 about 70 (a page 90 % deep at
 * 1,000,000 people, bench/RESULTS.md, "A million people again"). Cursor pages (RFC 9865) never
 * skip: they seek. A setting object so that a test can lower it.
 */
export const PAGE_LIMITS = { deepOffset: 10_000 };
/**
 * A PATCH that removes members by a filter other than `value eq` (`members[display co "x"]`) reads
 * every member of the group inside the write's transaction; past this many members it is refused
 * (400 tooMany). Identity providers remove members by value. A setting object so that a test can lower it.
 */
export const MEMBER_FILTER_LIMITS = { upTo: 10_000 };
/**
 * Members read and sent per step of a streamed group (about 110 KB of JSON); between steps the
 * event loop serves other requests. A step is about 9 ms of CPU here: a million members, 2,000
 * steps (bench/RESULTS.md, "A million-member group read").
 */
const STREAM_PAGE = 500;
/** Rendered group resources whose members are sent as they are read (streamed()), with what reads them. */
const STREAMED = new WeakMap<Doc, { readonly ctx: ScimCtx; readonly groupId: string; readonly p: Projection }>();

export class ScimService {
  constructor(
    private readonly store: Store,
    readonly registry: SchemaRegistry,
    private readonly limits: ScimLimits,
    private readonly audit: AuditTrail,
    private readonly roster: RosterService,
    private readonly tracker: AttributeTracker,
    /** What must change in the same transaction as a deactivation, reactivation or deletion (credential revocation). */
    private readonly lifecycle?: PersonLifecycle,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** The request's identity for the audit trail; the IdP guess uses every normalisation seen so far. */
  requestMeta(ctx: ScimCtx): RequestMeta {
    const c = ctx.caller;
    const guess = c.idp ? { idp: c.idp.name, evidence: c.idp.evidence } : identifyIdp({ userAgent: c.userAgent, tokenLabel: c.tokenLabel, tokenIdp: c.tokenIdp, normalisations: ctx.notes.list() });
    return {
      requestId: c.requestId, actor: c.actor ?? 'scim', tokenId: c.tokenId, tokenLabel: c.tokenLabel,
      ...(guess ? { idp: guess.idp, idpEvidence: guess.evidence } : {}),
    };
  }

  private async record(tx: Repos, ctx: ScimCtx, e: AuditEventInput): Promise<void> {
    const meta = this.requestMeta(ctx);
    await this.audit.record(tx, ctx.list.id, merged(e, { normalisations: ctx.notes.list() }), meta);
    // Revocation stays in this transaction: a QR code answers "revoked" the moment the deactivation
    // commits. What merely follows (wallet pushes of new roster values) consumes the outbox event.
    if (this.lifecycle && e.target?.type === 'person' && isLifecycleAction(e.action)) {
      await this.lifecycle.onPersonLifecycle(tx, ctx.list.id, e.target.id, e.action, meta);
    }
  }

  private personTarget(id: string, doc: Doc) {
    return { type: 'person' as const, id, name: typeof doc.userName === 'string' ? doc.userName : null };
  }

  private groupTarget(id: string, doc: Doc) {
    return { type: 'group' as const, id, name: typeof doc.displayName === 'string' ? doc.displayName : null };
  }

  /** Records what a group's member deltas did, one event per direction. */
  private async recordMembers(tx: Repos, ctx: ScimCtx, id: string, doc: Doc, r: { added: string[]; removed: string[] }): Promise<void> {
    if (r.removed.length) await this.record(tx, ctx, { action: 'group.members_removed', target: this.groupTarget(id, doc), changes: memberChange(r.removed, false) });
    if (r.added.length) await this.record(tx, ctx, { action: 'group.members_added', target: this.groupTarget(id, doc), changes: memberChange(r.added, true) });
  }

  /**
   * Writes a changed document (PUT or PATCH) with a new version, its derived roster fields and
   * its audit event; undefined when a concurrent writer got there first (the caller retries).
   */
  private async writeUpdate(tx: Repos, ctx: ScimCtx, rt: ResourceTypeId, rec: Rec, doc: Doc, now: string, schema: ListSchema | undefined): Promise<true | undefined> {
    const id = rec.id;
    const changes: FieldChange[] = diffResources(rec.data, doc);
    if (rt === 'User') {
      const action = personUpdateAction(rec.data, doc);
      const stored = (rec as UserRecord).storedFields;
      if (stored === undefined) throw new Error('a person is written as read by UsersRepo.get, with their roster fields');
      const fields = readStoredFields(stored, schema!.slots);
      // A person imported from a file, whose document says no more than before: their fields stay theirs.
      const held = heldByImport(rec.data) && heldByImport(doc) ? { before: rec.data, fields } : undefined;
      const cols = this.userColumns(ctx, id, doc, rec.version + 1, rec.created, now, schema!, held);
      // The field diff holds `emails` whole when they changed, key order aside (PostgreSQL's jsonb reorders keys).
      const emailsChanged = changes.some((c) => c.field === 'emails');
      // Only a large change (past LARGE_WRITE emails or changed attributes) takes turns of the loop between its steps.
      const size = Math.max(Array.isArray(doc.emails) ? doc.emails.length : 0, changes.length);
      await yieldIfLarge(size);
      if (!(await scimWrite(tx.users.update(cols, rec.version, emailsChanged, size > LARGE_WRITE ? yieldToEventLoop : undefined, rec as UserRecord)))) return undefined;
      await yieldIfLarge(size); // the audit event of a large change is the next step
      const roster = rosterChanges(fields, cols.derivedValues);
      await this.record(tx, ctx, { action, target: this.personTarget(id, doc), changes: [...changes, ...roster] });
    } else {
      if (!(await scimWrite(tx.groups.update(this.groupColumns(ctx, id, doc, rec.version + 1, rec.created, now), rec.version)))) return undefined;
      const renamed = changes.some((c) => c.field === 'displayName');
      await this.record(tx, ctx, { action: renamed ? 'group.renamed' : 'group.updated', target: this.groupTarget(id, doc), changes });
    }
    return true;
  }

  /**
   * Every write transaction takes the list's lock first (PostgreSQL; SQLite transactions are
   * serialised anyway): one lock order for SCIM writes, jobs and the audit chain, so they never
   * deadlock each other.
   */
  private async lockList(tx: Repos, ctx: ScimCtx): Promise<void> {
    await tx.audit.chain(ctx.list.id, true);
  }

  /**
   * The roster schema at the mapping version current inside the transaction (a remap may have just
   * committed), as read with the list's lock (lockList, ChainState.mappingVersion).
   */
  private async schemaIn(tx: Repos, ctx: ScimCtx, rt: ResourceTypeId): Promise<ListSchema | undefined> {
    if (rt !== 'User') return undefined;
    const version = (await tx.audit.chain(ctx.list.id, true))?.mappingVersion ?? 0; // 0 as RosterRepo.mappingVersion says of a list that is gone
    return this.roster.schema(ctx.list.id, version, tx);
  }

  projection(rt: ResourceTypeId, attributes?: string, excluded?: string): Projection {
    return { include: parseAttributeList(this.registry, rt, attributes), exclude: parseAttributeList(this.registry, rt, excluded) };
  }

  /** A written resource as the response to PUT/PATCH, narrowed by the request's attributes parameters. */
  projectWritten(rt: ResourceTypeId, resource: Doc, q: Pick<QueryParams, 'attributes' | 'excludedAttributes'>): Doc {
    if (q.attributes === undefined && q.excludedAttributes === undefined) return resource;
    const p = this.projection(rt, q.attributes, q.excludedAttributes);
    const out = project(this.registry, rt, resource, p);
    // A large group's members, still to be read (streamed()), are read as this projection asks.
    const large = STREAMED.get(resource);
    if (large && mayReturn(p, GROUP_SCHEMA, 'members')) STREAMED.set(out, { ...large, p });
    return out;
  }

  // ---------------------------------------------------------------- rendering

  private location(ctx: ScimCtx, rt: ResourceTypeId, id: string): string {
    return `${ctx.baseUrl}/${endpoint(rt)}/${id}`;
  }

  /**
   * Full resources for records of one type, projected by `p`, with `groups` or `members` loaded in
   * one query when returned. A group with GROUP_STREAM_FROM members or more (on a page of n groups,
   * a nth of that) is rendered without them and marked for streamed(), which sends them as it reads
   * them. `created`: people this request has just created, who belong to no group yet (a member
   * must exist before a group can hold it), so their groups are not read.
   */
  private async render(db: Repos, ctx: ScimCtx, rt: ResourceTypeId, recs: readonly Rec[], p: Projection, created = false): Promise<Doc[]> {
    // A person's write cannot put them in a group (`groups` is read-only, RFC 7643 §4.1.2), and a
    // Bulk operation renders nothing: in a list without groups at the token check, the person
    // written is shown in none, as a read there would be (renderPage, ScimCtx.listHasGroups). A
    // group count read with the list's lock would not be fresher on PostgreSQL: a statement that
    // waited for the lock reads other tables as of its start.
    return (await this.build(db, ctx, rt, recs, p, created, false, ctx.listHasGroups !== false)) as Doc[];
  }

  /**
   * Resources to be sent as they are (a ListResponse's `Resources`, a GET's answer): as render(),
   * but a person whose stored text can be sent as it is comes as that text, spliced
   * (src/scim/stored-text.ts), when the request asks for every attribute returned by default.
   */
  private async renderPage(ctx: ScimCtx, rt: ResourceTypeId, recs: readonly Rec[], p: Projection, filter?: Filter): Promise<(Doc | JsonText)[]> {
    // A list without groups (most lists an IdP provisions people to alone): one statement fewer a
    // person read. "Without" is as of the token check: people a filter found by their groups (a
    // group created since) are shown with them.
    const groupsMayExist = ctx.listHasGroups !== false || (filter !== undefined && filterNames(filter, 'groups'));
    return this.build(this.store, ctx, rt, recs, p, false, true, groupsMayExist);
  }

  /** `groupsMayExist`: false when the people's groups need not be read (none exist: renderPage). */
  private async build(db: Repos, ctx: ScimCtx, rt: ResourceTypeId, recs: readonly Rec[], p: Projection, created: boolean, asText: boolean, groupsMayExist: boolean): Promise<(Doc | JsonText)[]> {
    const core = rt === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
    const ids = recs.map((r) => r.id);
    const groups = rt === 'User' && !created && groupsMayExist && mayReturn(p, core, 'groups') ? await db.users.groupsOf(ids) : undefined;
    const wantMembers = rt === 'Group' && mayReturn(p, core, 'members');
    // The threshold holds for the whole answer: on a page of n groups, each from 1/n of it, so
    // that a page of groups each just under it is not built whole either (100 groups of 9,999).
    const streamFrom = Math.max(1, Math.floor((this.limits.groupStreamFrom ?? GROUP_STREAM_FROM) / Math.max(1, ids.length)));
    const large = wantMembers ? await db.groups.withAtLeast(ids, streamFrom) : new Set<string>();
    const members = wantMembers ? await db.groups.membersOf(large.size ? ids.filter((id) => !large.has(id)) : ids) : undefined;
    const memo: ProjectionMemo = new Map();
    const rule = asText && rt === 'User' && p.include === undefined && !p.exclude?.length ? storedTextRule(this.registry, rt) : undefined;
    return recs.map((r) => {
      const g = groups?.get(r.id)?.map((x) => this.groupRef(ctx, x));
      const meta = this.meta(ctx, rt, r);
      const text = rule && (r as UserRecord).dataText;
      if (text) {
        const spliced = spliceStored(rule!, text, r.id, g?.length ? `,"groups":${JSON.stringify(g)}` : '', `,"meta":${JSON.stringify(meta)}`);
        if (spliced !== undefined) return new JsonText(spliced);
      }
      const doc = renderStored(this.registry, rt, r.data, r.id, { groups: g, members: members?.get(r.id)?.map((x) => this.member(ctx, x)) }, meta, p, memo);
      if (large.has(r.id)) STREAMED.set(doc, { ctx, groupId: r.id, p });
      return doc;
    });
  }

  private meta(ctx: ScimCtx, rt: ResourceTypeId, r: Rec): Doc {
    return { resourceType: rt, created: r.created, lastModified: r.lastModified, location: this.location(ctx, rt, r.id), version: etagOf(r.version) };
  }

  private groupRef(ctx: ScimCtx, x: { readonly id: string; readonly displayName: string }): Doc {
    return { value: x.id, $ref: this.location(ctx, 'Group', x.id), display: x.displayName, type: 'direct' };
  }

  private member(ctx: ScimCtx, x: MemberRecord): Doc {
    return { value: x.value, $ref: this.location(ctx, x.type === 'Group' ? 'Group' : 'User', x.value), type: x.type, ...(x.display !== null ? { display: x.display } : {}) };
  }

  /**
   * The JSON text of an answer (a resource or a ListResponse) in pieces, when it holds a
   * group render() left large; undefined otherwise (then it is sent as one string). Such a group's
   * members follow its other attributes, read a page at a time in the order of their ids
   * (RFC 7643 §2.4: a multi-valued attribute has no order), each page projected as the request
   * asks. Reads between pages are not one snapshot: a member added or removed while the group is
   * sent may or may not be in it, as if the read had come a moment earlier or later.
   */
  streamed(body: Doc | JsonText): AsyncIterable<string> | undefined {
    if (body instanceof JsonText) return undefined;
    const resources = Array.isArray(body.Resources) ? body.Resources as (Doc | JsonText)[] : undefined;
    if (!(resources ? resources.some((r) => !(r instanceof JsonText) && STREAMED.has(r)) : STREAMED.has(body))) return undefined;
    const pieces = async function* (this: ScimService): AsyncGenerator<string> {
      if (!resources) {
        yield* this.resourcePieces(body);
        return;
      }
      const { head, tail } = listEnvelope(body);
      yield head;
      for (let i = 0; i < resources.length; i++) {
        if (i > 0) yield ',';
        yield* this.resourcePieces(resources[i]!);
      }
      yield tail;
    };
    return pieces.call(this);
  }

  private async *resourcePieces(doc: Doc | JsonText): AsyncGenerator<string> {
    const text = jsonOf(doc);
    const large = doc instanceof JsonText ? undefined : STREAMED.get(doc);
    if (!large) {
      yield text;
      return;
    }
    let opened = false, after: string | null = null;
    const memo: ProjectionMemo = new Map();
    const whole = large.p.include === undefined && !large.p.exclude?.length;
    for (;;) {
      const page = await this.store.groups.memberPage(large.groupId, after, STREAM_PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1]!.value;
      const rendered = page.map((x) => this.member(large.ctx, x));
      // Without attributes or excludedAttributes every member is returned whole: no projection to run.
      const projected = whole ? rendered : project(this.registry, 'Group', { schemas: [GROUP_SCHEMA], id: large.groupId, members: rendered }, large.p, memo).members;
      if (Array.isArray(projected) && projected.length) {
        const items = JSON.stringify(projected);
        yield `${opened ? ',' : `${text.slice(0, -1)},"members":[`}${items.slice(1, -1)}`;
        opened = true;
      }
      if (page.length < STREAM_PAGE) break;
      // SQLite answers synchronously: without a turn here, the whole group would hold the thread.
      await yieldToEventLoop();
    }
    // Every member left between render()'s check and this read: the group goes out without them.
    yield opened ? ']}' : text;
  }

  private async load(db: Repos, ctx: ScimCtx, rt: ResourceTypeId, id: string): Promise<Rec> {
    const rec = rt === 'User' ? await db.users.get(ctx.list.id, id) : await db.groups.get(ctx.list.id, id);
    if (!rec) throw notFound(`${rt} "${id}" not found in this list`);
    return rec;
  }

  private checkIfMatch(rec: Rec, ifMatch: string | undefined): void {
    if (ifMatch === undefined || ifMatch.trim() === '*') return;
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!tags.includes(`"${rec.version}"`)) throw new ScimError(412, undefined, `the resource has changed: its version is now ${etagOf(rec.version)} (RFC 7644 §3.14)`);
  }

  /** GET /Users/{id}, GET /Groups/{id}; a person without `attributes` or `excludedAttributes` may come as their stored text, spliced (renderPage). */
  async get(ctx: ScimCtx, rt: ResourceTypeId, id: string, p: Projection): Promise<{ resource: Doc | JsonText; etag: string }> {
    const rec = await this.load(this.store, ctx, rt, id);
    const [resource] = await this.renderPage(ctx, rt, [rec], p);
    return { resource: resource!, etag: etagOf(rec.version) };
  }

  // ---------------------------------------------------------------- writes

  /**
   * Retries a write whose optimistic version check lost to a concurrent writer, or that
   * PostgreSQL aborted as a deadlock or serialization failure (several nodes).
   */
  private async withRetry<T>(fn: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_RETRIES; i++) {
      let r: T | undefined;
      try {
        r = await fn();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === '40P01' || code === '40001') continue;
        throw err;
      }
      if (r !== undefined) return r;
    }
    throw new ScimError(409, undefined, 'the resource kept changing while this request was applied; retry it');
  }

  /** `held`: the document and fields of a person whose fields are their own (heldByImport), kept instead of derived. */
  private userColumns(ctx: ScimCtx, id: string, doc: Doc, version: number, created: string, now: string, schema: ListSchema, held?: { readonly before: Doc; readonly fields: Readonly<Record<string, unknown>> }) {
    const ent = isObject(doc[ENTERPRISE_USER_SCHEMA]) ? (doc[ENTERPRISE_USER_SCHEMA] as Doc) : {};
    const emails = (Array.isArray(doc.emails) ? doc.emails : []).filter(isObject).filter((e) => typeof e.value === 'string');
    const derived = held ? heldColumns(schema, held.before, doc, held.fields) : derivedColumns(schema, doc);
    this.tracker.observe(ctx.list.id, doc);
    return {
      id, listId: ctx.list.id, userName: String(doc.userName),
      externalId: typeof doc.externalId === 'string' ? doc.externalId : null,
      externalIdUnique: ctx.list.externalIdUnique,
      displayName: typeof doc.displayName === 'string' ? doc.displayName : null,
      employeeNumber: typeof ent.employeeNumber === 'string' ? ent.employeeNumber : null,
      active: doc.active !== false,
      emails: emails.map((e) => ({ value: String(e.value), type: typeof e.type === 'string' ? e.type : null, primary: e.primary === true })),
      data: doc, version, created, lastModified: now, derived, derivedValues: derived.derived.values,
    };
  }

  private groupColumns(ctx: ScimCtx, id: string, doc: Doc, version: number, created: string, now: string) {
    return {
      id, listId: ctx.list.id, displayName: String(doc.displayName),
      externalId: typeof doc.externalId === 'string' ? doc.externalId : null, externalIdUnique: ctx.list.externalIdUnique,
      data: doc, version, created, lastModified: now,
    };
  }

  /** Applies member deltas inside the transaction; returns the ids actually added and removed. */
  private async applyMembers(tx: Repos, ctx: ScimCtx, groupId: string, ops: readonly MemberOp[], now: string): Promise<{ added: string[]; removed: string[] }> {
    const added: string[] = [];
    const removed: string[] = [];
    const fctx = this.filterContext(ctx, 'Group');
    const unknown: string[] = [];
    for (const op of ops) {
      if (op.kind === 'add') {
        const displays = new Map(op.members.map((m) => [m.id, m.display ?? null]));
        const all = [...displays.keys()];
        for (let i = 0; i < all.length; i += MEMBER_STEP) {
          if (i > 0) await yieldToEventLoop();
          const wanted = all.slice(i, i + MEMBER_STEP);
          const users = await tx.users.existing(ctx.list.id, wanted);
          const rest = wanted.filter((id) => !users.has(id) && id !== groupId);
          const groups = rest.length ? await tx.groups.existing(ctx.list.id, rest) : new Set<string>();
          for (const id of wanted) if (!users.has(id) && !groups.has(id)) unknown.push(id);
          const rows = [
            ...[...users].map((id) => ({ id, type: 'User', display: displays.get(id) ?? null })),
            ...[...groups].map((id) => ({ id, type: 'Group', display: displays.get(id) ?? null })),
          ];
          if (rows.length) added.push(...(await tx.groups.addMembers(ctx.list.id, groupId, rows, now)));
        }
      } else if (op.kind === 'remove') {
        const ids = [...new Set(op.ids)];
        for (let i = 0; i < ids.length; i += MEMBER_STEP) {
          if (i > 0) await yieldToEventLoop();
          removed.push(...(await tx.groups.removeMembers(groupId, ids.slice(i, i + MEMBER_STEP))));
        }
      } else if (op.kind === 'removeAll') {
        // MEMBER_STEP at a time, the event loop getting turns between: one DELETE of a
        // million-member group would hold the node for seconds.
        for (let step = 0; ; step++) {
          if (step > 0) await yieldToEventLoop();
          const gone = await tx.groups.removeSomeMembers(groupId, MEMBER_STEP);
          removed.push(...gone);
          if (gone.length < MEMBER_STEP) break;
        }
      } else {
        const where = scimCompile(() => compileMemberFilter(fctx, op.filter));
        // A filter other than `value eq` reads every member, in the write's transaction (on SQLite,
        // on the thread that serves every organisation): refused for a large group.
        if (!elementSeeks(op.filter) && await tx.groups.memberCountUpTo(groupId, MEMBER_FILTER_LIMITS.upTo + 1) > MEMBER_FILTER_LIMITS.upTo) {
          throw new ScimError(400, 'tooMany', `this group has more than ${MEMBER_FILTER_LIMITS.upTo} members, and a member filter other than "value eq" reads every one of them; `
            + 'remove members by value: members[value eq "id"], or a list of {"value": "id"}');
        }
        removed.push(...(await tx.groups.removeMembersWhere(groupId, where)));
      }
    }
    if (unknown.length) ctx.notes.warn(`ignored ${unknown.length} member value(s) that name no user or group of this list: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`);
    // A member removed and added back in one request is no change at all.
    const gone = new Set(removed);
    const back = new Set(added.filter((id) => gone.has(id)));
    return { added: added.filter((id) => !back.has(id)), removed: removed.filter((id) => !back.has(id)) };
  }

  /**
   * POST /Users, POST /Groups (RFC 7644 §3.3). Without `wantResource` nothing is rendered: a Bulk
   * operation's answer holds no resource (§3.7.3), and rendering it read the person's groups and
   * built the document for nothing; a group's members are not read back either.
   */
  async create(ctx: ScimCtx, rt: ResourceTypeId, body: unknown): Promise<Written>;
  async create(ctx: ScimCtx, rt: ResourceTypeId, body: unknown, wantResource: false): Promise<Placed>;
  async create(ctx: ScimCtx, rt: ResourceTypeId, body: unknown, wantResource = true): Promise<Written | Placed> {
    const { doc, members } = prepareResource(this.registry, rt, body, ctx.notes);
    if (rt === 'User' && doc.active === undefined) doc.active = true;
    const id = newId();
    const now = this.now();
    let stored: Rec | undefined;
    await this.withRetry(() => this.store.transaction(async (tx) => {
      await this.lockList(tx, ctx);
      if (rt === 'User') {
        const cols = this.userColumns(ctx, id, doc, 1, now, now, (await this.schemaIn(tx, ctx, rt))!);
        const size = Array.isArray(doc.emails) ? doc.emails.length : 0;
        await scimWrite(tx.users.insert(cols, size > LARGE_WRITE ? yieldToEventLoop : undefined));
        await yieldIfLarge(size);
        const roster = rosterChanges({}, cols.derivedValues).filter((c) => c.after !== null);
        await this.record(tx, ctx, { action: 'person.created', target: this.personTarget(id, doc), changes: [...diffResources(undefined, doc), ...roster] });
        stored = { id, listId: ctx.list.id, data: doc, storedFields: cols.derived.fields, version: 1, created: now, lastModified: now };
      } else {
        await scimWrite(tx.groups.insert(this.groupColumns(ctx, id, doc, 1, now, now)));
        await this.record(tx, ctx, { action: 'group.created', target: this.groupTarget(id, doc), changes: diffResources(undefined, doc) });
        if (members?.length) {
          const r = await this.applyMembers(tx, ctx, id, [{ kind: 'add', members: memberRefs(members, ctx.notes) }], now);
          await this.recordMembers(tx, ctx, id, doc, r);
        }
      }
      return true;
    }, ctx.commitLater));
    // Both kinds are inserted at version 1; adding a new group's members does not move it.
    if (!wantResource) return { id, etag: etagOf(1), location: this.location(ctx, rt, id) };
    return this.written(ctx, rt, id, stored, true);
  }

  /**
   * The resource a write answers with. A person is rendered from the document this request
   * stored (`stored`), not read back and parsed again (issue 16): the answer is this write's
   * result even when another write follows at once. Groups are read back (their members; a large
   * group's only when the answer is sent, streamed(), and never for a Bulk operation, whose answer
   * holds no resource).
   */
  private async written(ctx: ScimCtx, rt: ResourceTypeId, id: string, stored?: Rec, created = false): Promise<Written> {
    if (stored) {
      const [resource] = await this.render(this.store, ctx, rt, [stored], {}, created);
      return { resource: resource!, etag: etagOf(stored.version), location: this.location(ctx, rt, id) };
    }
    const rec = await this.load(this.store, ctx, rt, id);
    const [resource] = await this.render(this.store, ctx, rt, [rec], {});
    return { resource: resource!, etag: etagOf(rec.version), location: this.location(ctx, rt, id) };
  }

  /**
   * PUT (RFC 7644 §3.5.1): the same write as a PATCH (modify), with the request's document as the
   * change. A person is answered from the document stored, not read back; without `wantResource`
   * (Bulk, whose answer holds no resource, and Entra sync) nothing is rendered and the ETag comes
   * from the version written.
   */
  async replace(ctx: ScimCtx, rt: ResourceTypeId, id: string, body: unknown, ifMatch?: string): Promise<Written>;
  async replace(ctx: ScimCtx, rt: ResourceTypeId, id: string, body: unknown, ifMatch: string | undefined, wantResource: false): Promise<Omit<Written, 'resource'>>;
  async replace(ctx: ScimCtx, rt: ResourceTypeId, id: string, body: unknown, ifMatch?: string, wantResource = true): Promise<Written | Omit<Written, 'resource'>> {
    const { doc, members } = prepareResource(this.registry, rt, body, ctx.notes);
    if (rt === 'User' && doc.active === undefined) doc.active = true;
    // A PUT without "members" leaves membership alone: no IdP means "remove everyone" by omitting it,
    // and Okta/OneLogin PUT group metadata on its own. A PUT with "members" replaces the set.
    return this.modify(ctx, rt, id, () => ({
      doc,
      memberOps: rt === 'Group' && members !== undefined ? [{ kind: 'removeAll' }, { kind: 'add', members: memberRefs(members, ctx.notes) }] : [],
    }), ifMatch, wantResource);
  }

  /**
   * PATCH. Without `wantResource` the resource is not read back: a PATCH answered 204 on a group of
   * 100,000 members must not load them (the ETag comes from the version written).
   */
  async patch(ctx: ScimCtx, rt: ResourceTypeId, id: string, body: unknown, ifMatch?: string, wantResource = true): Promise<Written | Omit<Written, 'resource'>> {
    return this.modify(ctx, rt, id, async (rec) => {
      const applied = PatchEngine.apply(this.registry, rt, rec.data, body, ctx.notes);
      // Applying up to MAX_PATCH_OPERATIONS is one step, the writes are the next (for large PATCHes).
      await yieldIfLarge(isObject(body) && Array.isArray(body.Operations) ? body.Operations.length : 0);
      return applied;
    }, ifMatch, wantResource);
  }

  /**
   * Domain operation: deactivates a person (active=false) through the same write as any change,
   * so the audit event, the outbox event and the credential revocation are one transaction.
   * For callers that are not SCIM clients (Entra pull sync): no wire body to build.
   */
  async deactivate(ctx: ScimCtx, personId: string): Promise<void> {
    await this.modifyWith(ctx, personId, [{ op: 'replace', path: 'active', value: false }]);
  }

  /** Domain operation: sets a person's manager (enterprise extension, RFC 7643 §4.3) to another person of the list. */
  async setManager(ctx: ScimCtx, personId: string, managerId: string): Promise<void> {
    await this.modifyWith(ctx, personId, [{ op: 'replace', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: { value: managerId } }]);
  }

  /**
   * The domain operations' changes, applied by the same rules as a PATCH (RFC 7644 §3.5.2), so
   * the stored document is exactly what the equivalent PATCH would store; the operations are
   * built here, never by callers.
   */
  private async modifyWith(ctx: ScimCtx, personId: string, ops: readonly Record<string, unknown>[]): Promise<void> {
    await this.modify(ctx, 'User', personId, (rec) => PatchEngine.apply(this.registry, 'User', rec.data, { schemas: [PATCH_OP], Operations: ops }, ctx.notes), undefined, false);
  }

  /** A change computed from the stored record, written with version check, audit and events; retried on a lost race. */
  private async modify(
    ctx: ScimCtx, rt: ResourceTypeId, id: string, change: (rec: Rec) => { doc: Doc; memberOps: readonly MemberOp[] } | Promise<{ doc: Doc; memberOps: readonly MemberOp[] }>,
    ifMatch: string | undefined, wantResource: boolean,
  ): Promise<Written | Omit<Written, 'resource'>> {
    let version = 0;
    let stored: Rec | undefined;
    await this.withRetry(() => this.store.transaction(async (tx) => {
      await this.lockList(tx, ctx);
      const schema = await this.schemaIn(tx, ctx, rt);
      const rec = await this.load(tx, ctx, rt, id);
      this.checkIfMatch(rec, ifMatch);
      const { doc, memberOps } = await change(rec);
      const now = this.now();
      const docChanged = !jsonEqual(doc, rec.data);
      if (docChanged && !(await this.writeUpdate(tx, ctx, rt, rec, doc, now, schema))) return undefined;
      version = rec.version + (docChanged ? 1 : 0);
      // What render() reads of the person as stored, without copying the record (its roster fields parse when read).
      if (rt === 'User') stored = docChanged ? { id: rec.id, listId: rec.listId, data: doc, version, created: rec.created, lastModified: now } : rec;
      if (memberOps.length) {
        const r = await this.applyMembers(tx, ctx, id, memberOps, now);
        if ((r.added.length || r.removed.length) && !docChanged) {
          await tx.groups.touch(ctx.list.id, id, now);
          version = rec.version + 1;
        }
        await this.recordMembers(tx, ctx, id, doc, r);
      }
      return true;
    }, ctx.commitLater));
    if (!wantResource) return { etag: etagOf(version), location: this.location(ctx, rt, id) };
    return this.written(ctx, rt, id, stored);
  }

  async delete(ctx: ScimCtx, rt: ResourceTypeId, id: string, ifMatch?: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.lockList(tx, ctx);
      const rec = await this.load(tx, ctx, rt, id);
      this.checkIfMatch(rec, ifMatch);
      if (rt === 'User') {
        await tx.users.delete(ctx.list.id, id);
        await this.record(tx, ctx, { action: 'person.deleted', target: this.personTarget(id, rec.data), changes: diffResources(rec.data, undefined) });
      } else {
        await tx.groups.delete(ctx.list.id, id);
        await this.record(tx, ctx, { action: 'group.deleted', target: this.groupTarget(id, rec.data), changes: diffResources(rec.data, undefined) });
      }
    }, ctx.commitLater);
  }

  // ---------------------------------------------------------------- queries

  private pageWindow(q: QueryParams): { startIndex: number; count: number } {
    // Past 2^31 no list has rows; the clamp keeps the OFFSET inside every engine's integer range.
    const startIndex = q.startIndex === undefined || !Number.isFinite(q.startIndex) || q.startIndex < 1 ? 1 : Math.min(Math.floor(q.startIndex), 2 ** 31);
    let count = q.count === undefined || !Number.isFinite(q.count) ? this.limits.defaultPageSize : Math.max(0, Math.floor(q.count));
    count = Math.min(count, this.limits.maxPageSize);
    return { startIndex, count };
  }

  private filterContext(ctx: ScimCtx, rt: ResourceTypeId): FilterContext {
    return { flavor: this.store.flavor, registry: this.registry, resource: rt, listId: ctx.list.id, externalIdUnique: ctx.list.externalIdUnique };
  }

  private compileQuery(ctx: ScimCtx, rt: ResourceTypeId, filter: Filter | undefined, q: QueryParams) {
    const fctx = this.filterContext(ctx, rt);
    const where = filter ? scimCompile(() => compileFilter(fctx, filter)) : undefined;
    const sortPath = q.sortBy ? parseAttrPath(q.sortBy, (d) => invalidFilter(`invalid sortBy "${q.sortBy}": ${d}`)) : undefined;
    const orderBy = sortPath ? scimCompile(() => sortExpression(fctx, sortPath)) : undefined;
    return { where, orderBy, scan: readsWholeList(fctx, filter, sortPath, q.cursor !== undefined), seek: singleSeek(fctx, filter, sortPath) };
  }

  private sortDescending(q: QueryParams): boolean {
    const o = q.sortOrder?.toLowerCase();
    if (o !== undefined && o !== 'ascending' && o !== 'descending') throw invalidValue(`sortOrder must be "ascending" or "descending", got "${q.sortOrder}"`);
    return o === 'descending';
  }

  /** RFC 9865 cursor pages; created on first use so that the constructor stays as it is. */
  private pagerOnce: CursorPager | undefined;
  get pager(): CursorPager {
    return (this.pagerOnce ??= new CursorPager(this.store, this.limits));
  }

  /**
   * totalResults (RFC 7644 §3.4.2.4): without a filter, the list's maintained counter (migration
   * 027) rather than a count(*) over the list on every page; with one, a count of the matching
   * rows, which the filter's indexes bound for the lookups IdPs make.
   */
  private async total(ctx: ScimCtx, rt: ResourceTypeId, where: ReturnType<ScimService['compileQuery']>['where'], scan = false): Promise<number> {
    const repo = rt === 'User' ? this.store.users : this.store.groups;
    if (where) return repo.count({ listId: ctx.list.id, where, scan, gone: ctx.gone });
    return (await this.store.paging.total(ctx.list.id, rt)) ?? repo.count({ listId: ctx.list.id });
  }

  /** GET /Users, GET /Groups and POST /.search (RFC 7644 §3.4.2, §3.4.3; RFC 9865 with `cursor`). */
  async query(ctx: ScimCtx, rt: ResourceTypeId, q: QueryParams): Promise<Doc> {
    const filter = q.filter !== undefined && q.filter.trim() !== '' ? parseFilter(q.filter) : undefined;
    if (q.cursor !== undefined && q.startIndex !== undefined) throw invalidValue('use either startIndex (index paging) or cursor (cursor paging, RFC 9865), not both');
    const { startIndex, count } = this.pageWindow(q);
    const p = this.projection(rt, q.attributes, q.excludedAttributes);
    const descending = this.sortDescending(q);
    const key = filter && q.cursor === undefined && q.sortBy === undefined && startIndex === 1 && count > 0
      ? uniqueUserKey(this.filterContext(ctx, rt), filter) : undefined;
    if (key) {
      // An IdP's lookup by a unique key: one prepared statement, 0 or 1 person, who is the total.
      const rec = await this.store.users.byKey(ctx.list.id, key.by, key.value);
      const resources = await this.renderPage(ctx, rt, rec ? [rec] : [], p, filter);
      return listResponse(resources.length, startIndex, resources);
    }
    const { where, orderBy, scan, seek } = this.compileQuery(ctx, rt, filter, q);
    if (q.cursor !== undefined) {
      const page = await this.pager.page({ listId: ctx.list.id, rt, cursor: q.cursor, count: q.count, filter: q.filter, sortBy: q.sortBy, sortOrder: q.sortOrder, descending, where, orderBy, scan, gone: ctx.gone });
      const total = await this.total(ctx, rt, where, scan);
      const resources = await this.renderPage(ctx, rt, page.records, p, filter);
      // RFC 9865 §2: no startIndex; nextCursor omitted on the last page, previousCursor on the first.
      return {
        schemas: [LIST_RESPONSE], totalResults: total, itemsPerPage: resources.length,
        ...(page.previousCursor !== undefined ? { previousCursor: page.previousCursor } : {}),
        ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
        Resources: resources,
      };
    }
    const repo = rt === 'User' ? this.store.users : this.store.groups;
    // A page deep in the list skips its offset entry by entry (69 ms at 900,000 on SQLite,
    // bench/RESULTS.md): as much work as a scan, so it goes to the lane too.
    const deep = scan || startIndex - 1 >= PAGE_LIMITS.deepOffset;
    const recs = count === 0 ? [] : await repo.page({ listId: ctx.list.id, where, orderBy, descending, offset: startIndex - 1, limit: count, scan: deep, gone: ctx.gone, seek });
    // A first page that is not full holds every match: its length is the total, and the count
    // query is left out (an IdP's lookup by userName or externalId finds 0 or 1, issue 16).
    const total = startIndex === 1 && recs.length < count ? recs.length : await this.total(ctx, rt, where, scan);
    const resources = await this.renderPage(ctx, rt, recs, p, filter);
    return listResponse(total, startIndex, resources);
  }

  /** POST /.search at the service root: Users then Groups, as one result set. */
  async queryAll(ctx: ScimCtx, q: QueryParams): Promise<Doc> {
    if (q.cursor !== undefined) throw invalidValue('cursor paging (RFC 9865) is per resource type: POST /Users/.search or /Groups/.search');
    const filter = q.filter !== undefined && q.filter.trim() !== '' ? parseFilter(q.filter) : undefined;
    const { startIndex, count } = this.pageWindow(q);
    const descending = this.sortDescending(q);
    const parts: { rt: ResourceTypeId; where: ReturnType<ScimService['compileQuery']>['where']; orderBy: ReturnType<ScimService['compileQuery']>['orderBy']; scan: boolean; total: number }[] = [];
    let firstError: unknown;
    for (const rt of ['User', 'Group'] as const) {
      try {
        const c = this.compileQuery(ctx, rt, filter, q);
        parts.push({ rt, ...c, total: await this.total(ctx, rt, c.where, c.scan) });
      } catch (err) {
        // An attribute only one resource type has (userName) makes the other type simply not match.
        if (!(err instanceof ScimError)) throw err;
        firstError ??= err;
      }
    }
    if (parts.length === 0) throw firstError;
    const total = parts.reduce((n, x) => n + x.total, 0);
    let offset = startIndex - 1, remaining = count;
    const resources: (Doc | JsonText)[] = [];
    for (const part of parts) {
      if (remaining <= 0) break;
      if (offset >= part.total) { offset -= part.total; continue; }
      const repo = part.rt === 'User' ? this.store.users : this.store.groups;
      const recs = await repo.page({ listId: ctx.list.id, where: part.where, orderBy: part.orderBy, descending, offset, limit: remaining, scan: part.scan || offset >= PAGE_LIMITS.deepOffset, gone: ctx.gone });
      resources.push(...(await this.renderPage(ctx, part.rt, recs, this.projection(part.rt, q.attributes, q.excludedAttributes), filter)));
      remaining -= recs.length;
      offset = 0;
    }
    return listResponse(total, startIndex, resources);
  }
}
