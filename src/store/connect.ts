/**
 * Opens the database named by a URL and runs the migrations. Engine wiring lives in sqlite/ and
 * postgres/; everything above this file sees only Kysely<Database>.
 */
import { type Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { engineOf, type Engine } from './engine.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite/open.js';
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
import * as m032 from './migrations/032-campaign-counts.js';

export interface Connection {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** The connection pool's use now (metrics); SQLite has one connection, always open. */
  readonly pool?: () => PoolStats;
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
  ['032-campaign-counts', m032],
];

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

export async function openDatabase(databaseUrl: string): Promise<Connection> {
  const engine = engineOf(databaseUrl);
  const unreachable = (err: unknown) => new StoreError('MUSTER_DATABASE_UNREACHABLE',
    `cannot reach the database (${engine} at ${whereIs(databaseUrl, engine)}): ${(err as Error | undefined)?.message ?? String(err)}`, { cause: err });
  let db: Kysely<Database>;
  let pool: (() => PoolStats) | undefined;
  try {
    if (engine === 'postgres') ({ db, pool } = openPostgres(databaseUrl));
    else db = openSqlite(databaseUrl);
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
    const migrator = new Migrator({ db, provider: new Provider(engine) });
    const { error } = await migrator.migrateToLatest();
    if (error) throw new StoreError('MUSTER_MIGRATION_FAILED', `database migration failed: ${String(error)}`, { cause: error });
  } catch (err) {
    await db.destroy();
    if (err instanceof StoreError) throw err;
    throw unreachable(err);
  }
  return { db, engine, ...(pool ? { pool } : {}) };
}
