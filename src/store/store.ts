import type { Kysely } from 'kysely';
import type { Connection } from './connect.js';
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
import { OidcRepo } from './oidc-repo.js';

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
  readonly oidc: OidcRepo;
}

const reposOn = (db: Kysely<Database>, engine: Engine, onEnqueue?: () => void): Repos => ({
  lists: new ListsRepo(db), tokens: new TokensRepo(db), users: new UsersRepo(db), groups: new GroupsRepo(db),
  audit: new AuditRepo(db, engine), adminKeys: new AdminKeysRepo(db), roster: new RosterRepo(db, onEnqueue), entra: new EntraRepo(db),
  admins: new AdminsRepo(db), credentials: new CredentialsRepo(db), photos: new PhotosRepo(db), cards: new CardsRepo(db), appleWallet: new AppleWalletRepo(db),
  googleWallet: new GoogleWalletRepo(db),
  secretKeys: new SecretKeysRepo(db), email: new EmailRepo(db, engine, onEnqueue), oidc: new OidcRepo(db),
});

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
  readonly oidc: OidcRepo;

  readonly db: Kysely<Database>;
  private readonly enqueueListeners = new Set<() => void>();

  constructor(private readonly conn: Connection) {
    this.db = conn.db;
    this.engine = conn.engine;
    this.flavor = flavorFor(conn.engine);
    ({ lists: this.lists, tokens: this.tokens, users: this.users, groups: this.groups, audit: this.audit, adminKeys: this.adminKeys, roster: this.roster, entra: this.entra, admins: this.admins, credentials: this.credentials, photos: this.photos, cards: this.cards, appleWallet: this.appleWallet, googleWallet: this.googleWallet } = reposOn(conn.db, conn.engine, () => this.jobsEnqueued()));
    this.secretKeys = new SecretKeysRepo(conn.db);
    this.email = new EmailRepo(conn.db, conn.engine, () => this.jobsEnqueued());
    this.oidc = new OidcRepo(conn.db);
  }

  /** Runs `fn` in one transaction: everything it wrote is committed together, or nothing is. */
  async transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    let enqueued = false;
    const result = await this.conn.db.transaction().execute((trx) => fn(reposOn(trx, this.engine, () => (enqueued = true))));
    // Only once committed: a runner woken earlier would not see the job row yet.
    if (enqueued) this.jobsEnqueued();
    return result;
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
    for (const fn of this.enqueueListeners) fn();
  }

  close(): Promise<void> {
    return this.conn.db.destroy();
  }
}
