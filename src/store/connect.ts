/**
 * Opens the database named by a URL and runs the migrations. Engine wiring lives in sqlite/ and
 * postgres/; everything above this file sees only Kysely<Database>.
 */
import path from 'node:path';
import { type Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { engineOf, type Engine } from './engine.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite/open.js';
import { DEFAULT_SCAN_TIMEOUT_MS, ScanPool } from './scan-pool.js';
import { DatabaseUnreachable } from './unavailable.js';
import { SqliteScanProcess } from './sqlite/scan-process.js';
import { PostgresScanConnections } from './postgres/scan-connections.js';
import type { CommitGroups } from './sqlite/commit-groups.js';
import { BUSY_TIMEOUT_MS } from './sqlite/write-lock.js';
import type { TableWatch } from './sqlite/table-watch.js';
import type { WriteLockWait } from './sqlite/write-lock.js';
import { TOKEN_LOOKUP_READS } from './tokens-repo.js';
import { openPostgres } from './postgres/open.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-audit.js';
import * as m003 from './migrations/003-roster.js';
import * as m004 from './migrations/004-entra.js';
import * as m005 from './migrations/005-admins.js';
import * as m006 from './migrations/006-credentials.js';
import * as m007 from './migrations/007-photos.js';
import * as m008 from './migrations/008-cards.js';
import * as m009 from './migrations/009-apple-wallet.js';
import * as m010 from './migrations/010-google-wallet.js';
import * as m011 from './migrations/011-entra-photos.js';
import * as m012 from './migrations/012-hardening.js';
import * as m013 from './migrations/013-security-events.js';
import * as m014 from './migrations/014-google-sync-lease.js';
import * as m015 from './migrations/015-user-name-nfc.js';
import * as m016 from './migrations/016-entra-pending-managers.js';
import * as m017 from './migrations/017-audit-people.js';
import * as m018 from './migrations/018-secret-key.js';
import * as m019 from './migrations/019-email.js';
import * as m020 from './migrations/020-installation-wallets.js';
import * as m021 from './migrations/021-entra-group-names.js';
import * as m022 from './migrations/022-outbox.js';
import * as m022b from './migrations/022b-outbox-processed.js';
import * as m023 from './migrations/023-campaigns.js';
import * as m024 from './migrations/024-wallet-delivery.js';
import * as m025 from './migrations/025-oidc.js';
import * as m026 from './migrations/026-webhooks.js';
import * as m027 from './migrations/027-paging.js';
import * as m029 from './migrations/029-uid-required-implied.js';
import * as m031 from './migrations/031-shared-limits.js';
import * as m032 from './migrations/032-campaign-counts.js';
import * as m033 from './migrations/033-campaign-pending.js';
import * as m034 from './migrations/034-audit-idp-index.js';
import * as m035 from './migrations/035-packed-text.js';
import * as m036 from './migrations/036-admin-sso-subject.js';
import * as m037 from './migrations/037-outbox-seq-index.js';
import * as m038 from './migrations/038-external-id-partial.js';
import * as m039 from './migrations/039-outbox-from-audit.js';
import * as m040 from './migrations/040-outbox-counters-from-rows.js';
import * as m041 from './migrations/041-audit-hashes-once.js';
import * as m042 from './migrations/042-problems-partial-index.js';
import * as m043 from './migrations/043-field-slots.js';
import * as m044 from './migrations/044-deactivated-partial-index.js';
import * as m045 from './migrations/045-compact-people.js';

export interface Connection {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** The connection pool's use now (metrics); SQLite has one connection, always open. */
  readonly pool?: () => PoolStats;
  /**
   * SQLite on a serving node (group commit, sqlite/commit-groups.ts): resolves once the
   * transactions this connection has committed are in the log.
   */
  readonly committed?: () => Promise<void> | undefined;
  /**
   * SQLite on a serving node: called inside a transaction, the commit of the group it belongs to
   * (CommitGroups.memberCommit). Store.transaction awaits it, or hands it over.
   */
  readonly memberCommit?: () => Promise<void> | undefined;
  /**
   * A serving node: statements that read a whole list run in a lane of their own (scan-pool.ts): a
   * thread of its own on SQLite, a connection of its own on PostgreSQL.
   */
  readonly scans?: ScanPool;
  /**
   * SQLite on a serving node: moves whenever the tables a token's look-up reads may have changed
   * (sqlite/table-watch.ts), so that the look-up can be kept in the meantime (tokens-repo.ts).
   */
  readonly watch?: TableWatch;
  /**
   * SQLite on a serving node: a statement that finds another process holding the write lock waits
   * for it here, with timers, instead of on the thread that serves (sqlite/write-lock.ts).
   */
  readonly writeLock?: WriteLockWait;
}

/** Connections open, idle, callers waiting for one, and the most the pool opens. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

const MIGRATIONS: ReadonlyArray<readonly [string, { up(db: Kysely<unknown>, engine: Engine): Promise<void> }]> = [
  ['001-initial', m001],
  ['002-audit', m002],
  ['003-roster', m003],
  ['004-entra', m004],
  ['005-admins', m005],
  ['006-credentials', m006],
  ['007-photos', m007],
  ['008-cards', m008],
  ['009-apple-wallet', m009],
  ['010-google-wallet', m010],
  ['011-entra-photos', m011],
  ['012-hardening', m012],
  ['013-security-events', m013],
  ['014-google-sync-lease', m014],
  ['015-user-name-nfc', m015],
  ['016-entra-pending-managers', m016],
  ['017-audit-people', m017],
  ['018-secret-key', m018],
  ['019-email', m019],
  ['020-installation-wallets', m020],
  ['021-entra-group-names', m021],
  ['022-outbox', m022],
  ['022b-outbox-processed', m022b],
  ['023-campaigns', m023],
  ['024-wallet-delivery', m024],
  ['025-oidc', m025],
  ['026-webhooks', m026],
  ['027-paging', m027],
  ['029-uid-required-implied', m029],
  ['031-shared-limits', m031],
  ['032-campaign-counts', m032],
  ['033-campaign-pending', m033],
  ['034-audit-idp-index', m034],
  ['035-packed-text', m035],
  ['036-admin-sso-subject', m036],
  ['037-outbox-seq-index', m037],
  ['038-external-id-partial', m038],
  ['039-outbox-from-audit', m039],
  ['040-outbox-counters-from-rows', m040],
  ['041-audit-hashes-once', m041],
  ['042-problems-partial-index', m042],
  ['043-field-slots', m043],
  ['044-deactivated-partial-index', m044],
  ['045-compact-people', m045],
];

/** Every migration this build knows, in order (the upgrade tests check that each ran once). */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

class Provider implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, mod] of MIGRATIONS) out[name] = { up: (db) => mod.up(db, this.engine) };
    return out;
  }
}

export class StoreError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** Where the database is, for messages: the PostgreSQL host and database (never the credentials), or the SQLite file. */
function whereIs(databaseUrl: string, engine: Engine): string {
  if (engine === 'sqlite') return databaseUrl;
  try {
    const u = new URL(databaseUrl);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the URL in MUSTER_DATABASE_URL';
  }
}

export interface OpenOptions {
  /**
   * A node that serves (buildMuster): on SQLite, checkpoints run on a thread of their own
   * (sqlite/open.ts). A short command (the CLI's `lists create`, a restore) leaves them to SQLite
   * and starts no thread.
   */
  readonly serving?: boolean;
  /** MUSTER_SCAN_TIMEOUT_S: the deadline of a statement that reads a whole list (scan-pool.ts), in ms. */
  readonly scanTimeoutMs?: number;
}

export async function openDatabase(databaseUrl: string, opts: OpenOptions = {}): Promise<Connection> {
  const engine = engineOf(databaseUrl);
  const unreachable = (err: unknown) => {
    const why = err instanceof DatabaseUnreachable ? err.cause : err;
    return new StoreError('MUSTER_DATABASE_UNREACHABLE',
      `cannot reach the database (${engine} at ${whereIs(databaseUrl, engine)}): ${(why as Error | undefined)?.message ?? String(why)}`, { cause: why });
  };
  let db: Kysely<Database>;
  let pool: (() => PoolStats) | undefined;
  let groups: CommitGroups | undefined;
  let watch: TableWatch | undefined;
  try {
    if (engine === 'postgres') ({ db, pool } = openPostgres(databaseUrl));
    else {
      db = openSqlite(databaseUrl, {
        checkpointThread: opts.serving ?? false,
        ...(opts.serving && databaseUrl !== ':memory:' ? { onGroups: (g: CommitGroups) => (groups = g) } : {}),
        ...(opts.serving ? { onWatch: (w: TableWatch) => (watch = w) } : {}),
      });
    }
  } catch (err) {
    throw unreachable(err);
  }
  // Reached first, so that a database that is down or refuses us is not reported as a failed
  // migration (the migrator reports every error, a refused connection included, as its own).
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw unreachable(err);
  }
  try {
    await oneAtATime(engine === 'sqlite' && databaseUrl !== ':memory:' ? path.resolve(databaseUrl) : undefined, () => migrate(db, engine));
  } catch (err) {
    await db.destroy();
    if (err instanceof StoreError) throw err;
    throw unreachable(err);
  }
  // Transactions are grouped from here on, once the migrations have run as plain ones.
  groups?.enable();
  if (watch) for (const [table, columns] of Object.entries(TOKEN_LOOKUP_READS)) watch.watch(table, columns);
  const scans = opts.serving && databaseUrl !== ':memory:' ? scanLane(db, databaseUrl, engine, opts.scanTimeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS) : undefined;
  return { db, engine, ...(pool ? { pool } : {}), ...(groups ? { committed: () => groups!.committed(), memberCommit: () => groups!.memberCommit(), writeLock: groups.lockWait } : {}), ...(scans ? { scans } : {}), ...(watch ? { watch } : {}) };
}

/**
 * SQLite files being migrated by this process. better-sqlite3 waits for a lock synchronously, so a
 * second connection of this process waiting for the first's migration lock would block the one
 * thread the first needs to finish: opens of one file in one process migrate one after another.
 */
const migrating = new Map<string, Promise<unknown>>();

async function oneAtATime<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (file === undefined) return fn();
  const run = (migrating.get(file) ?? Promise.resolve()).then(fn);
  const settled = run.catch(() => undefined);
  migrating.set(file, settled);
  try {
    return await run;
  } finally {
    if (migrating.get(file) === settled) migrating.delete(file);
  }
}

/** The migrations recorded in the database (none before the first start). */
async function recordedMigrations(db: Kysely<Database>, engine: Engine): Promise<string[]> {
  const exists = engine === 'sqlite'
    ? await sql<{ n: string }>`select name as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)
    : await sql<{ n: string }>`select to_regclass('kysely_migration')::text as n`.execute(db);
  if (!exists.rows[0]?.n) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * SQLite: the write lock, waiting for another process that holds it (it may be migrating, and a big
 * database's migration can take minutes) for as long as PostgreSQL nodes wait for Kysely's
 * advisory lock rather than an ordinary write's 5 s. Waiting is synchronous in better-sqlite3, so
 * only here, at start, before this node serves anything.
 */
async function beginMigrationLock(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
  await sql.raw(`pragma busy_timeout = ${MIGRATION_LOCK_WAIT_MS}`).execute(db);
  try {
    await sql`begin immediate`.execute(db);
  } finally {
    await sql.raw(`pragma busy_timeout = ${Number(rows[0]?.timeout ?? BUSY_TIMEOUT_MS)}`).execute(db);
  }
}

const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;

/** Refuses a database that a newer Muster migrated (names this build does not have). */
function refuseNewer(recorded: readonly string[]): void {
  const known = new Set(MIGRATION_NAMES);
  const newer = recorded.filter((n) => !known.has(n));
  if (newer.length === 0) return;
  throw new StoreError('MUSTER_SCHEMA_NEWER',
    `this database was upgraded by a newer Muster (migration ${newer.join(', ')}, which this version does not have): `
    + 'run that version or newer on every node; to go back to this version, restore the backup taken before the upgrade');
}

/**
 * Brings the schema to this build's latest, once, however many nodes start at the same time.
 *
 * - PostgreSQL: Kysely's migrator holds a session advisory lock (pg_advisory_lock) around one
 *   transaction that reads which migrations ran and runs the rest, so a second node waits, then
 *   finds nothing to do (https://kysely.dev/docs/migrations).
 * - SQLite: Kysely's SQLite adapter takes no lock and runs migrations outside any transaction
 *   (its `acquireMigrationLock` is a no-op: it assumes one connection), so two processes on one
 *   file would both run 001. So the run is one `BEGIN IMMEDIATE` transaction: it takes the write
 *   lock before reading anything, so a second process waits in the busy handler (for up to ten
 *   minutes, beginMigrationLock) instead of failing, and a failed migration rolls back whole
 *   (https://www.sqlite.org/lang_transaction.html).
 *
 * A database already up to date (every start but the first after an upgrade) takes no lock: a
 * node or CLI command opening it never waits for another node's writes.
 *
 * A database that a newer Muster migrated is refused with MUSTER_SCHEMA_NEWER before anything
 * runs: an older node in a rolling upgrade must not serve a schema it does not know (Kysely alone
 * says only "corrupted migrations: previously executed migration … is missing").
 */
async function migrate(db: Kysely<Database>, engine: Engine): Promise<void> {
  const recorded = await recordedMigrations(db, engine);
  refuseNewer(recorded);
  const done = new Set(recorded);
  if (MIGRATION_NAMES.every((n) => done.has(n))) return;
  if (engine === 'sqlite') await beginMigrationLock(db);
  try {
    // Again under the lock: a newer node may have migrated meanwhile.
    if (engine === 'sqlite') refuseNewer(await recordedMigrations(db, engine));
    const migrator = new Migrator({ db, provider: new Provider(engine) });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      // PostgreSQL: a newer node may have migrated while this one waited for the lock.
      refuseNewer(await recordedMigrations(db, engine).catch(() => []));
      throw new StoreError('MUSTER_MIGRATION_FAILED', `database migration failed: ${String(error)}`, { cause: error });
    }
    if (engine === 'sqlite') await sql`commit`.execute(db);
  } catch (err) {
    if (engine === 'sqlite') await sql`rollback`.execute(db).catch(() => undefined);
    throw err;
  }
}

/** The lane of whole-list statements of a serving node (scan-pool.ts), taking each organisation in turn. */
function scanLane(db: Kysely<Database>, databaseUrl: string, engine: Engine, deadlineMs: number): ScanPool {
  const executor = engine === 'sqlite' ? new SqliteScanProcess(path.resolve(databaseUrl), deadlineMs) : new PostgresScanConnections(databaseUrl, deadlineMs);
  const orgOf = async (listId: string) => (await db.selectFrom('lists').select('org_id').where('id', '=', listId).executeTakeFirst())?.org_id;
  return new ScanPool(executor, { orgOf });
}
