import { sql, type Kysely } from 'kysely';
import type { Connection, PoolStats } from './connect.js';
import type { Engine } from './engine.js';
import type { Database } from './schema.js';
import { flavorFor, type SqlFlavor } from './sql-flavor.js';
import { ListsRepo } from './lists-repo.js';
import { TokensRepo } from './tokens-repo.js';
import { UsersRepo } from './users-repo.js';
import { GroupsRepo } from './groups-repo.js';
import { AuditRepo } from './audit-repo.js';
import { AdminKeysRepo } from './admin-keys-repo.js';
import { RosterRepo } from './roster-repo.js';
import { EntraRepo } from './entra-repo.js';
import { AdminsRepo } from './admins-repo.js';
import { CredentialsRepo } from './credentials-repo.js';
import { PhotosRepo } from './photos-repo.js';
import { CardsRepo } from './cards-repo.js';
import { AppleWalletRepo } from './apple-wallet-repo.js';
import { GoogleWalletRepo } from './google-wallet-repo.js';
import { SecretKeysRepo } from './secret-keys-repo.js';
import { EmailRepo } from './email-repo.js';
import { CampaignsRepo } from './campaigns-repo.js';
import { EventsRepo, writeOutbox, type OutboxQueue } from './events-repo.js';
import type { DomainEvent } from '../events/types.js';
import { WebhooksRepo } from './webhooks-repo.js';
import { PagingRepo } from './paging-repo.js';
import { OidcRepo } from './oidc-repo.js';
import { LimitsRepo } from './limits-repo.js';
import type { ScanPool, ScanStats } from './scan-pool.js';

/** The repositories, bound to the database or to one open transaction. */
export interface Repos {
  readonly lists: ListsRepo;
  readonly tokens: TokensRepo;
  readonly users: UsersRepo;
  readonly groups: GroupsRepo;
  readonly audit: AuditRepo;
  readonly adminKeys: AdminKeysRepo;
  readonly roster: RosterRepo;
  readonly entra: EntraRepo;
  readonly admins: AdminsRepo;
  readonly credentials: CredentialsRepo;
  readonly photos: PhotosRepo;
  readonly cards: CardsRepo;
  readonly appleWallet: AppleWalletRepo;
  readonly googleWallet: GoogleWalletRepo;
  readonly secretKeys: SecretKeysRepo;
  readonly email: EmailRepo;
  readonly campaigns: CampaignsRepo;
  readonly events: EventsRepo;
  readonly paging: PagingRepo;
  readonly oidc: OidcRepo;
}

const reposOn = (db: Kysely<Database>, engine: Engine, onEnqueue: (() => void) | undefined, outbox: OutboxQueue, inTransaction = false): Repos => ({
  lists: new ListsRepo(db), tokens: new TokensRepo(db), users: new UsersRepo(db), groups: new GroupsRepo(db),
  audit: new AuditRepo(db, engine, inTransaction), adminKeys: new AdminKeysRepo(db), roster: new RosterRepo(db, onEnqueue, engine), entra: new EntraRepo(db),
  admins: new AdminsRepo(db), credentials: new CredentialsRepo(db), photos: new PhotosRepo(db), cards: new CardsRepo(db), appleWallet: new AppleWalletRepo(db),
  googleWallet: new GoogleWalletRepo(db),
  secretKeys: new SecretKeysRepo(db), email: new EmailRepo(db, engine, onEnqueue), campaigns: new CampaignsRepo(db, engine),
  events: new EventsRepo(db, engine, outbox), paging: new PagingRepo(db), oidc: new OidcRepo(db),
});

/** Takes the promise of a transaction's commit, still to come, from Store.transaction. */
export type CommitLater = (committed: Promise<void>) => void;

/** The storage port: repositories and transactions over one Kysely database of either engine. */
export class Store implements Repos {
  readonly engine: Engine;
  readonly flavor: SqlFlavor;
  readonly lists: ListsRepo;
  readonly tokens: TokensRepo;
  readonly users: UsersRepo;
  readonly groups: GroupsRepo;
  readonly audit: AuditRepo;
  readonly adminKeys: AdminKeysRepo;
  readonly roster: RosterRepo;
  readonly entra: EntraRepo;
  readonly admins: AdminsRepo;
  readonly credentials: CredentialsRepo;
  readonly photos: PhotosRepo;
  readonly cards: CardsRepo;
  readonly appleWallet: AppleWalletRepo;
  readonly googleWallet: GoogleWalletRepo;
  readonly secretKeys: SecretKeysRepo;
  readonly email: EmailRepo;
  readonly campaigns: CampaignsRepo;
  readonly events: EventsRepo;
  /** Webhook endpoints and deliveries (src/events/webhooks*): their own transactions, never a change's. */
  readonly webhooks: WebhooksRepo;
  readonly paging: PagingRepo;
  readonly oidc: OidcRepo;
  /** Rate limits and sign-in backoff shared by every node (migration 031): their own statements, never a change's. */
  readonly limits: LimitsRepo;

  readonly db: Kysely<Database>;
  private readonly enqueueListeners = new Set<() => void>();
  private readonly eventListeners = new Set<(events: readonly DomainEvent[]) => void>();

  constructor(private readonly conn: Connection) {
    this.db = conn.db;
    this.engine = conn.engine;
    this.flavor = flavorFor(conn.engine);
    ({ lists: this.lists, tokens: this.tokens, users: this.users, groups: this.groups, audit: this.audit, adminKeys: this.adminKeys, roster: this.roster, entra: this.entra, admins: this.admins, credentials: this.credentials, photos: this.photos, cards: this.cards, appleWallet: this.appleWallet, googleWallet: this.googleWallet } = reposOn(conn.db, conn.engine, () => this.jobsEnqueued(), []));
    this.secretKeys = new SecretKeysRepo(conn.db);
    this.email = new EmailRepo(conn.db, conn.engine, () => this.jobsEnqueued());
    this.campaigns = new CampaignsRepo(conn.db, conn.engine);
    this.webhooks = new WebhooksRepo(conn.db, conn.engine);
    this.events = new EventsRepo(conn.db, conn.engine, undefined, (events) => this.transaction(async (tx) => {
      await tx.events.append(events);
    }));
    this.paging = new PagingRepo(conn.db);
    this.oidc = new OidcRepo(conn.db);
    // Outside a transaction, the queries that read a whole list run in a lane of their own (scan-pool.ts).
    // SQLite on a serving node: token look-ups kept while what they read stays the same.
    if (conn.watch) {
      const watch = conn.watch;
      this.tokens = new TokensRepo(conn.db, () => watch.epoch());
    }
    if (conn.scans) {
      this.users = new UsersRepo(conn.db, conn.scans);
      this.groups = new GroupsRepo(conn.db, conn.scans);
      this.roster = new RosterRepo(conn.db, () => this.jobsEnqueued(), conn.engine, conn.scans);
      this.audit = new AuditRepo(conn.db, conn.engine, false, conn.scans);
    }
    this.limits = new LimitsRepo(conn.db);
  }

  /** SQLite on a serving node: a statement is waiting for another process to let go of the write lock. */
  get waitingForWriteLock(): boolean {
    return this.conn.writeLock?.waiting ?? false;
  }

  /**
   * Runs `fn` in one transaction: everything it wrote is committed together, or nothing is.
   *
   * Answers once the transaction is committed, unless `later` is given: then, where the commit is
   * still to come (SQLite's commit groups), it answers at once and hands `later` the promise of
   * the commit, which rejects if the commit fails. A caller running many transactions in a row
   * (the operations of a Bulk request) thereby lets them share commit groups, and must await every
   * promise it is handed before it reports any of them as done.
   */
  /** A statement that reads nothing: throws when the database does not answer (/healthz, the job runner). */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async transaction<T>(fn: (tx: Repos) => Promise<T>, later?: CommitLater): Promise<T> {
    let enqueued = false;
    let written: DomainEvent[] = [];
    let committed: Promise<void> | undefined;
    const result = await this.conn.db.transaction().execute(async (trx) => {
      const outbox: OutboxQueue = [];
      const r = await fn(reposOn(trx, this.engine, () => (enqueued = true), outbox, true));
      // The outbox rows go last: on PostgreSQL they take the lock that orders all appends
      // (migration 022), held from here to COMMIT only (SQLite's one write lock is held already).
      written = await writeOutbox(trx, this.engine, outbox, new Date().toISOString());
      // SQLite on a serving node commits the transactions of one turn together: this one's group,
      // taken while it is open (another may have begun by the time it has been released).
      committed = this.conn.memberCommit?.();
      return r;
    });
    // Only once committed: a runner woken earlier would not see the job row yet.
    const after = (): void => {
      if (enqueued) this.jobsEnqueued();
      if (written.length > 0) for (const fn of this.eventListeners) this.tell(fn, written);
    };
    if (committed && later) {
      const done = committed.then(after);
      // Handled by whoever awaits it; a caller that never got to must not crash the process.
      done.catch(() => undefined);
      later(done);
      return result;
    }
    await committed;
    after();
    return result;
  }

  /**
   * Calls `fn` with the events each transaction of this process appended, once committed, so the
   * in-process consumers start at once (wallet pushes); consumers on other nodes find the same
   * events by reading the outbox, the safety net.
   */
  onEventsCommitted(fn: (events: readonly DomainEvent[]) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /** Removes events that occurred before `cutoff` (retention), in batches of their own transactions. */
  async pruneEvents(cutoff: string, batch = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.transaction((tx) => tx.events.pruneBatch(cutoff, batch));
      total += n;
      if (n < batch) {
        await this.events.pruneProcessed(cutoff);
        return total;
      }
    }
  }

  /**
   * Calls `fn` whenever this process commits a new job row (a wallet update after a revocation),
   * so the local runner starts it at once; other nodes find it at their next poll.
   */
  onJobEnqueued(fn: () => void): () => void {
    this.enqueueListeners.add(fn);
    return () => this.enqueueListeners.delete(fn);
  }

  private jobsEnqueued(): void {
    for (const fn of this.enqueueListeners) this.tell(fn, undefined);
  }

  /**
   * Told when a listener of committed work throws (main.ts logs it). The work is committed all
   * the same: a listener only nudges a consumer, which the outbox's and the job queue's polls
   * catch up anyway, so its failure must not turn a saved change into a failed request, which
   * an IdP would send again.
   */
  onListenerError: (err: unknown) => void = (err) => process.emitWarning(err instanceof Error ? err : String(err), 'MusterListenerError');

  private readonly told = (err: unknown): void => {
    try {
      this.onListenerError(err);
    } catch { /* nothing more to tell */ }
  };

  private tell<A>(fn: (a: A) => unknown, a: A): void {
    try {
      const r = fn(a);
      // A listener that returns a promise: its rejection is told too, not left unhandled.
      if (r instanceof Promise) r.catch(this.told);
    } catch (err) {
      this.told(err);
    }
  }

  /** The connection pool's use now, for metrics: PostgreSQL's pool, or SQLite's single connection. */
  poolStats(): PoolStats {
    return this.conn.pool?.() ?? { total: 1, idle: 1, waiting: 0, max: 1 };
  }

  /** The lane of whole-list queries of a serving node (scan-pool.ts); undefined on a command's store. */
  get scanLane(): ScanPool | undefined {
    return this.conn.scans;
  }

  /** The lane of whole-list queries (scan-pool.ts): run so far, waiting or running now, refused, timed out, dropped; undefined without one. */
  scanStats(): ScanStats | undefined {
    const p = this.conn.scans;
    return p ? { done: p.done, pending: p.pending, refused: p.refused, timedOut: p.timedOut, dropped: p.dropped } : undefined;
  }

  async close(): Promise<void> {
    await this.conn.scans?.close();
    return this.conn.db.destroy();
  }
}
