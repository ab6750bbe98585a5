import type { MasterList, Organisation, Store, SyncMethod, TokenInfo, UidAttribute } from '../store/index.js';
import { hashSecret, hintOf, newSecret } from '../secrets/tokens.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { RosterService } from './roster-service.js';
import { defaultSchema, type UidChoice } from '../roster/fields.js';
import { newId, newListId } from '../runtime/ids.js';

export const UID_ATTRIBUTES: readonly UidAttribute[] = ['employeeNumber', 'userName', 'email'];

export class UsageError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CreatedToken {
  readonly token: TokenInfo;
  /** The secret, shown once and never stored. */
  readonly secret: string;
}

/** Organisations, master lists and their bearer tokens. */
export class ListsService {
  private readonly roster: RosterService;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly actor: RequestMeta = { actor: 'cli' },
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    this.roster = new RosterService(store, audit, now);
  }

  /** The organisation named or with this id; without one, the only organisation (created if there is none). */
  async resolveOrganisation(org?: string): Promise<Organisation> {
    if (org) {
      const found = await this.store.lists.organisation(org);
      if (found) return found;
      return this.store.lists.createOrganisation(newListId(), org, this.now());
    }
    const all = await this.store.lists.organisations();
    if (all.length === 1) return all[0]!;
    if (all.length === 0) return this.store.lists.createOrganisation(newListId(), 'My organisation', this.now());
    throw new UsageError('MUSTER_ORG_AMBIGUOUS', `there are ${all.length} organisations: name one with --org`);
  }

  /**
   * A list; with SCIM (the default) it also gets a first token. Without a unique identifier it
   * starts with `userName`, which the Sync tab (or `muster lists configure --uid`) changes while the
   * list is empty.
   */
  async createList(input: { name: string; uid?: string; org?: string; tokenLabel?: string; externalIdUnique?: boolean; syncMethod?: SyncMethod }, meta: RequestMeta = this.actor): Promise<{ list: MasterList; token: CreatedToken | null }> {
    const name = input.name.trim();
    if (!name) throw new UsageError('MUSTER_LIST_NAME_REQUIRED', 'a list needs a name');
    const uid = input.uid === undefined || input.uid === '' ? 'userName' : input.uid;
    if (!UID_ATTRIBUTES.includes(uid as UidAttribute)) {
      throw new UsageError('MUSTER_LIST_UID_INVALID', `the unique identifier must be one of ${UID_ATTRIBUTES.join(', ')}; got "${uid}"`);
    }
    const org = await this.resolveOrganisation(input.org);
    const now = this.now();
    return this.store.transaction(async (tx) => {
      const list = await tx.lists.create({
        id: newListId(), orgId: org.id, name, uidAttribute: uid as UidAttribute, syncMethod: input.syncMethod ?? 'scim', strict: false, externalIdUnique: input.externalIdUnique ?? true, mappingVersion: 0, createdAt: now, updatedAt: now,
      });
      await this.audit.record(tx, list.id, {
        action: 'list.created', target: { type: 'list', id: list.id, name: list.name },
        changes: [
          { field: 'name', before: null, after: list.name }, { field: 'uidAttribute', before: null, after: list.uidAttribute },
          { field: 'syncMethod', before: null, after: list.syncMethod }, { field: 'externalIdUnique', before: null, after: list.externalIdUnique },
        ],
      }, meta);
      // The default roster schema and mapping (a list without a sync method gets the same fields to fill by import).
      await this.roster.setUpDefault(tx, list, meta);
      if (list.syncMethod !== 'scim') return { list, token: null };
      const secret = newSecret();
      const token = await tx.tokens.insert({
        id: newId(), list_id: list.id, label: input.tokenLabel ?? 'Initial token', hint: hintOf(secret), secret_hash: hashSecret(secret), created_at: now,
      });
      await this.audit.record(tx, list.id, { action: 'token.created', target: { type: 'token', id: token.id, name: token.label } }, meta);
      return { list, token: { token, secret } };
    });
  }

  /**
   * Changes a list's name or strict mode, recorded as `list.configured`. (externalId uniqueness is
   * chosen at creation: turning it on later could meet duplicates already stored.)
   */
  async configure(listId: string, input: { name?: unknown; strict?: unknown }, meta: RequestMeta = this.actor): Promise<MasterList> {
    const changes: { name?: string; strict?: boolean } = {};
    if (input.name !== undefined) {
      if (typeof input.name !== 'string' || !input.name.trim()) throw new UsageError('MUSTER_LIST_NAME_REQUIRED', 'a list needs a name');
      changes.name = input.name.trim();
    }
    if (input.strict !== undefined) {
      if (typeof input.strict !== 'boolean') throw new UsageError('MUSTER_CLI_USAGE', 'strict must be true or false');
      changes.strict = input.strict;
    }
    return this.store.transaction(async (tx) => {
      // The list's lock before reading it: concurrent changes (from two nodes too) apply one after
      // the other, and each audit event's "before" is what the previous one left.
      await tx.audit.chain(listId, true);
      const before = await tx.lists.get(listId);
      if (!before) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${listId}"`);
      await tx.lists.configure(listId, changes, this.now());
      const after = (await tx.lists.get(listId))!;
      const diff = (['name', 'strict'] as const).filter((k) => before[k] !== after[k]).map((k) => ({ field: k, before: before[k], after: after[k] }));
      if (diff.length) await this.audit.record(tx, listId, { action: 'list.configured', target: { type: 'list', id: listId, name: after.name }, changes: diff }, meta);
      return after;
    });
  }

  /**
   * Turns a list's sync method off (`none`) or to SCIM. Turning SCIM off revokes its tokens;
   * turning Entra sync off drops its connection. SCIM on a list that syncs from Entra (or the
   * reverse) is refused until the other is off: a list uses one or the other, never both.
   * Turning SCIM on returns its first token, shown once.
   */
  async setSyncMethod(listId: string, method: unknown, meta: RequestMeta = this.actor): Promise<{ list: MasterList; token: CreatedToken | null }> {
    if (method !== 'none' && method !== 'scim') {
      throw new UsageError('MUSTER_SYNC_METHOD_INVALID', 'the sync method can be set to none or scim here; Entra sync is turned on by connecting it (muster entra connect)');
    }
    return this.store.transaction(async (tx) => {
      // Locked before it is read: two requests turning SCIM on at once make one change and one token, not two.
      await tx.audit.chain(listId, true);
      const list = await tx.lists.get(listId);
      if (!list) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${listId}"`);
      if (list.syncMethod === method) return { list, token: null };
      if (method === 'scim' && list.syncMethod === 'entra') {
        throw new UsageError('MUSTER_SYNC_METHOD_CONFLICT', 'this list syncs from Entra ID: turn Entra sync off first (sync method none); a list uses SCIM or Entra sync, never both');
      }
      const t = this.now();
      if (list.syncMethod === 'scim') {
        for (const tok of (await tx.tokens.forList(listId)).filter((x) => !x.revokedAt)) {
          await tx.tokens.revoke(listId, tok.id, t);
          await this.audit.record(tx, listId, { action: 'token.revoked', target: { type: 'token', id: tok.id, name: tok.label }, detail: { reason: 'SCIM turned off' } }, meta);
        }
      }
      if (list.syncMethod === 'entra') await tx.entra.remove(listId);
      await tx.lists.setSyncMethod(listId, method, t);
      await this.audit.record(tx, listId, { action: 'list.sync_method_changed', target: { type: 'list', id: listId, name: list.name }, changes: [{ field: 'syncMethod', before: list.syncMethod, after: method }] }, meta);
      let token: CreatedToken | null = null;
      if (method === 'scim') {
        const secret = newSecret();
        const info = await tx.tokens.insert({ id: newId(), list_id: listId, label: 'Initial token', hint: hintOf(secret), secret_hash: hashSecret(secret), created_at: t });
        await this.audit.record(tx, listId, { action: 'token.created', target: { type: 'token', id: info.id, name: info.label } }, meta);
        token = { token: info, secret };
      }
      return { list: (await tx.lists.get(listId))!, token };
    });
  }

  /**
   * Changes a list's unique identifier, allowed only while the list has no people: afterwards every
   * stored person is matched and deduplicated on the old one, and switching would leave people
   * without the new identifier, or two people with the same one. The roster field of the new
   * identifier becomes the required, unique field (added back with its default mapping if it was
   * removed); the old one stays required only if the admin had made it required (not merely
   * because it was the identifier); the other fields and the mapping stay as the admin left them.
   */
  async changeUid(listId: string, uid: unknown, meta: RequestMeta = this.actor): Promise<MasterList> {
    if (typeof uid !== 'string' || !UID_ATTRIBUTES.includes(uid as UidAttribute)) {
      throw new UsageError('MUSTER_LIST_UID_INVALID', `the unique identifier must be one of ${UID_ATTRIBUTES.join(', ')}; got "${String(uid)}"`);
    }
    return this.store.transaction(async (tx) => {
      // The list's lock: a SCIM create recorded at the same moment waits, so the count below is the truth.
      await tx.audit.chain(listId, true);
      const list = await tx.lists.get(listId);
      if (!list) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${listId}"`);
      if (list.uidAttribute === uid) return list;
      const people = (await tx.roster.counts(listId)).total;
      if (people > 0) {
        throw new UsageError('MUSTER_LIST_UID_LOCKED', `this list already has ${people} ${people === 1 ? 'person' : 'people'}, matched on ${list.uidAttribute}: the unique identifier can only change while a list is empty. Create a new list with the identifier you want, or remove everyone from this list first`);
      }
      const def = defaultSchema(uid as UidChoice);
      const uidField = def.fields.find((f) => f.unique)!;
      const fields = await tx.roster.fields(listId);
      // Only the "required" the identifier itself implied goes with it: a field the admin had made
      // required before it became the identifier stays required, and the new identifier's field
      // remembers whether it was required already (the admin's choice) or only because of this.
      const oldImplied = await tx.lists.uidRequiredImplied(listId);
      const newImplied = !fields.some((f) => f.key === uidField.key && f.required);
      const next = fields.map((f) => ({ ...f, unique: f.key === uidField.key, required: f.key === uidField.key ? true : f.unique ? f.required && !oldImplied : f.required }));
      if (!next.some((f) => f.key === uidField.key)) next.push(uidField);
      const mapping = await tx.roster.mapping(listId);
      if (!mapping.some((m) => m.field === uidField.key)) mapping.push(def.mapping.find((m) => m.field === uidField.key)!);
      await tx.roster.replaceFields(listId, next);
      await tx.roster.replaceMapping(listId, mapping);
      await tx.roster.bumpMappingVersion(listId);
      const t = this.now();
      await tx.lists.setUidAttribute(listId, uid as UidAttribute, t, newImplied);
      await this.audit.record(tx, listId, {
        action: 'list.configured', target: { type: 'list', id: listId, name: list.name },
        changes: [{ field: 'uidAttribute', before: list.uidAttribute, after: uid }],
      }, meta);
      return (await tx.lists.get(listId))!;
    });
  }

  async requireList(id: string): Promise<MasterList> {
    const list = await this.store.lists.get(id);
    if (!list) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${id}"`);
    return list;
  }

  /**
   * A new SCIM token for a list that uses SCIM. Every path that issues tokens (CLI, admin API)
   * comes here, so one rule holds for all: a list synced from Entra ID, or with no sync, gets no
   * SCIM token, or an IdP could write into a list whose people come from elsewhere.
   */
  async createToken(listId: string, label: string, meta: RequestMeta = this.actor): Promise<CreatedToken> {
    await this.requireList(listId);
    const secret = newSecret();
    const token = await this.store.transaction(async (tx) => {
      await tx.audit.chain(listId, true); // the list's lock: a concurrent change of sync method (which revokes tokens) waits
      const list = await tx.lists.get(listId);
      if (!list) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${listId}"`);
      if (list.syncMethod === 'entra') {
        throw new UsageError('MUSTER_SYNC_METHOD_CONFLICT', 'this list syncs from Entra ID, not SCIM: it takes no SCIM tokens (a list uses SCIM or Entra sync, never both)');
      }
      if (list.syncMethod !== 'scim') {
        throw new UsageError('MUSTER_SYNC_METHOD_CONFLICT', 'this list does not use SCIM: choose SCIM as its sync method first (muster lists configure --sync scim)');
      }
      const t = await tx.tokens.insert({
        id: newId(), list_id: listId, label: label.trim() || 'Token', hint: hintOf(secret), secret_hash: hashSecret(secret), created_at: this.now(),
      });
      await this.audit.record(tx, listId, { action: 'token.created', target: { type: 'token', id: t.id, name: t.label } }, meta);
      return t;
    });
    return { token, secret };
  }

  async listTokens(listId: string): Promise<TokenInfo[]> {
    await this.requireList(listId);
    return this.store.tokens.forList(listId);
  }

  async revokeToken(listId: string, tokenId: string, meta: RequestMeta = this.actor): Promise<void> {
    await this.requireList(listId);
    await this.store.transaction(async (tx) => {
      const token = (await tx.tokens.forList(listId)).find((t) => t.id === tokenId);
      if (!token || !(await tx.tokens.revoke(listId, tokenId, this.now()))) {
        throw new UsageError('MUSTER_TOKEN_NOT_FOUND', `list ${listId} has no active token with id "${tokenId}"`);
      }
      await this.audit.record(tx, listId, { action: 'token.revoked', target: { type: 'token', id: token.id, name: token.label } }, meta);
    });
  }
}
