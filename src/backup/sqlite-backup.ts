/**
 * `muster backup` and `muster restore` for a SQLite installation (docs/operations.md#backups).
 *
 * A backup is a ustar archive (src/backup/tar.ts) of `muster.sqlite`, a consistent copy of the
 * database made with SQLite's online backup API (https://www.sqlite.org/backup.html) through
 * better-sqlite3's `db.backup()` while the server keeps serving; `secret.key`, the installation's
 * generated key file (src/secrets/key-file.ts) when it has one; and `muster-backup.json`, what the
 * backup holds with the database's SHA-256. The archive is written beside its target and renamed
 * into place, mode 0600 (it holds the key that opens the stored secrets).
 *
 * Consistency: after a first step the rest of the database is copied in one step, which runs in one
 * read transaction: in WAL mode writers carry on meanwhile and the copy is the database as of that
 * transaction's start. (Copied in small steps, a write by the server between two steps would make
 * SQLite start the copy again, possibly for ever under steady load.)
 *
 * Restore refuses to touch a database something has open. How we know: a connection asks for an
 * exclusive lock (`PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE`); in WAL mode every other open
 * connection, even an idle one (a running `muster serve`, a CLI command), holds a shared lock on
 * the WAL index and SQLite answers SQLITE_BUSY. Unlike a pid file, it cannot be left stale by a
 * crash, and it sees every process on the machine, not only servers. The restored copy is
 * extracted, migrated, and its audit chains and key checked before it replaces anything; the
 * database it replaces is kept beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../config.js';
import { engineOf } from '../store/engine.js';
import { openDatabase, Store } from '../store/index.js';
import { AuditTrail, type VerifyResult } from '../audit/audit-trail.js';
import { KEY_FILE_NAME, readKeyFile } from '../secrets/index.js';
import { SecretBox } from '../secrets/secret-box.js';
import { extractEntry, listEntries, readEntry, TarError, TarWriter, type TarEntry } from './tar.js';

const DB_ENTRY = 'muster.sqlite';
const KEY_ENTRY = KEY_FILE_NAME;
const MANIFEST_ENTRY = 'muster-backup.json';
const FORMAT = 'muster-backup';

/** A backup or restore refused or failed, with its code (docs/errors.md) and exit code. */
export class BackupError extends Error {
  constructor(readonly code: string, message: string, readonly exitCode: number, readonly detail?: unknown) {
    super(message);
    this.name = 'BackupError';
  }
}

interface Manifest {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly createdAt: string;
  readonly engine: 'sqlite';
  readonly database: { readonly entry: string; readonly bytes: number; readonly sha256: string };
  /** `included`: the key file is in the archive; `environment`: the key is MUSTER_SECRET_KEY, kept by the operator; `none`. */
  readonly secretKey: 'included' | 'environment' | 'none';
  readonly counts: { readonly lists: number; readonly people: number; readonly auditEvents: number };
}

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly ms: number;
  readonly createdAt: string;
  readonly secretKey: Manifest['secretKey'];
  readonly counts: Manifest['counts'];
}

function sqliteFile(config: Config, verb: 'back up' | 'restore'): string {
  if (engineOf(config.databaseUrl) !== 'sqlite') {
    throw new BackupError('MUSTER_BACKUP_POSTGRES', verb === 'back up'
      ? 'muster backup works on SQLite installations; on PostgreSQL use pg_dump --format=custom (docs/operations.md#backups)'
      : 'muster restore works on SQLite installations; on PostgreSQL use pg_restore (docs/operations.md#backups)', 1);
  }
  if (config.databaseUrl === ':memory:') throw new BackupError('MUSTER_BACKUP_POSTGRES', `an in-memory database cannot be ${verb === 'back up' ? 'backed up' : 'restored'}`, 1);
  return path.resolve(config.databaseUrl);
}

const tmpName = (beside: string, what: string) => `${beside}.${what}-${randomBytes(6).toString('hex')}`;

function counts(db: BetterSqlite3.Database): Manifest['counts'] {
  const n = (table: string) => Number((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
  return { lists: n('lists'), people: n('users'), auditEvents: n('audit_events') };
}

/** Makes the archive at `to` from the live database named by `config`. */
export async function backupSqlite(config: Config, to: string, now: () => Date = () => new Date()): Promise<BackupResult> {
  const dbFile = sqliteFile(config, 'back up');
  if (!fs.existsSync(dbFile)) throw new BackupError('MUSTER_BACKUP_FAILED', `there is no database at ${dbFile} (MUSTER_DATABASE_URL)`, 2);
  const target = path.resolve(to);
  if (!fs.existsSync(path.dirname(target))) throw new BackupError('MUSTER_BACKUP_FAILED', `the directory ${path.dirname(target)} does not exist`, 2);
  const started = performance.now();
  const copy = tmpName(target, 'db');
  const partial = tmpName(target, 'partial');
  try {
    const src = new BetterSqlite3(dbFile, { fileMustExist: true });
    try {
      src.pragma('busy_timeout = 5000');
      // After better-sqlite3's first small step, every remaining page in one step, one read transaction
      // (2^31-1 pages: better-sqlite3's largest step). A write between the two steps makes SQLite
      // start again, inside that one step.
      await src.backup(copy, { progress: () => 0x7fffffff });
    } finally {
      src.close();
    }
    const createdAt = now().toISOString();
    const check = new BetterSqlite3(copy, { fileMustExist: true });
    let c: Manifest['counts'];
    try {
      const ok = check.pragma('quick_check', { simple: true });
      if (ok !== 'ok') throw new BackupError('MUSTER_BACKUP_FAILED', `the copy failed SQLite's quick_check (${String(ok)}): the database may be damaged; run PRAGMA integrity_check on it`, 2);
      c = counts(check);
      // One self-contained file: no -wal beside it when it is opened again.
      check.pragma('journal_mode = DELETE');
    } finally {
      check.close();
    }
    const keyFile = path.resolve(config.dataDir, KEY_FILE_NAME);
    const secretKey: Manifest['secretKey'] = config.secretKey ? 'environment' : fs.existsSync(keyFile) ? 'included' : 'none';
    const fd = fs.openSync(partial, 'wx', 0o600);
    try {
      const tar = new TarWriter(fd);
      const sha256 = tar.addFile(DB_ENTRY, copy, 0o600);
      if (secretKey === 'included') tar.addBuffer(KEY_ENTRY, fs.readFileSync(keyFile), 0o600);
      const manifest: Manifest = {
        format: FORMAT, version: 1, createdAt, engine: 'sqlite', database: { entry: DB_ENTRY, bytes: fs.statSync(copy).size, sha256 }, secretKey, counts: c,
      };
      tar.addBuffer(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), 0o644);
      tar.end();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, target);
    return { file: target, bytes: fs.statSync(target).size, ms: Math.round(performance.now() - started), createdAt, secretKey, counts: c };
  } finally {
    fs.rmSync(copy, { force: true });
    fs.rmSync(partial, { force: true });
  }
}

export interface RestoreResult {
  readonly database: string;
  readonly from: string;
  readonly backupCreatedAt: string;
  /** Where the database it replaced was moved (null: there was none). */
  readonly previous: string | null;
  readonly secretKey: 'restored' | 'unchanged' | 'environment' | 'none';
  readonly previousKey: string | null;
  readonly audit: readonly VerifyResult[];
  readonly counts: Manifest['counts'];
}

function readManifest(archive: string, entries: readonly TarEntry[]): Manifest {
  const e = entries.find((x) => x.name === MANIFEST_ENTRY);
  let m: Partial<Manifest> | undefined;
  try {
    m = e ? (JSON.parse(readEntry(archive, e).toString('utf8')) as Partial<Manifest>) : undefined;
  } catch {
    m = undefined;
  }
  if (m?.format !== FORMAT || m.version !== 1 || !m.database || !entries.some((x) => x.name === m.database!.entry)) {
    throw new BackupError('MUSTER_BACKUP_INVALID', `${archive} is not a Muster backup (no valid ${MANIFEST_ENTRY}): make backups with muster backup --to FILE`, 1);
  }
  return m as Manifest;
}

/**
 * Opens the database for an exclusive lock, or refuses (something has it open). The connection
 * keeps the lock until it is closed.
 */
function lockExclusively(dbFile: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(dbFile, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new BackupError('MUSTER_RESTORE_DATABASE_IN_USE', `${dbFile} is in use (a muster serve or another muster command has it open): stop every Muster process that uses it, then run muster restore again`, 2);
    }
    throw err;
  }
}

/** Replaces the database named by `config` with the one in `archive`, once checked. */
export async function restoreSqlite(config: Config, archive: string, stamp: () => Date = () => new Date()): Promise<RestoreResult> {
  const dbFile = sqliteFile(config, 'restore');
  const from = path.resolve(archive);
  if (!fs.existsSync(from)) throw new BackupError('MUSTER_BACKUP_INVALID', `there is no file ${from}`, 1);
  let entries: TarEntry[];
  try {
    entries = listEntries(from);
  } catch (err) {
    if (err instanceof TarError) throw new BackupError('MUSTER_BACKUP_INVALID', `${from}: ${err.message}`, 1);
    throw err;
  }
  const manifest = readManifest(from, entries);
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  // Held from here until the swap: nothing opens the database meanwhile.
  const lock = fs.existsSync(dbFile) ? lockExclusively(dbFile) : undefined;
  const extracted = tmpName(dbFile, 'restore');
  const keyDir = `${extracted}.d`;
  let swapped = false;
  try {
    const sha = extractEntry(from, entries.find((e) => e.name === manifest.database.entry)!, extracted);
    if (sha !== manifest.database.sha256) throw new BackupError('MUSTER_BACKUP_INVALID', `${from}: the database in the archive does not match its checksum: the file is damaged`, 1);
    const keyEntry = entries.find((e) => e.name === KEY_ENTRY);
    let archivedKey: string | undefined;
    if (keyEntry && !config.secretKey) {
      fs.mkdirSync(keyDir, { mode: 0o700 });
      archivedKey = path.join(keyDir, KEY_FILE_NAME);
      extractEntry(from, keyEntry, archivedKey);
    }
    // Migrated (a backup from an older version is brought up to this one) and checked, before anything is replaced.
    const store = new Store(await openDatabase(extracted));
    let audit: VerifyResult[];
    try {
      const trail = new AuditTrail(true);
      audit = [];
      for (const l of await store.lists.all()) audit.push(await trail.verify(store, l.id));
      checkKey(config, archivedKey, await store.secretKeys.fingerprint());
    } finally {
      await store.close();
    }
    const bad = audit.filter((r) => !r.ok);
    if (bad.length) {
      throw new BackupError('MUSTER_RESTORE_AUDIT_FAILED', `the backup's audit trail does not verify (${bad.map((r) => `list ${r.listId}: event ${r.firstBad!.seq}: ${r.firstBad!.reason}`).join('; ')}): nothing was restored`, 3, audit);
    }
    const c = new BetterSqlite3(extracted, { fileMustExist: true });
    let restoredCounts: Manifest['counts'];
    try {
      restoredCounts = counts(c);
    } finally {
      c.close();
    }
    // The swap: the current database (with any -wal/-shm it has) moves aside, the checked copy takes its place.
    const when = stamp().toISOString().replace(/[:.]/g, '-');
    lock?.close();
    let previous: string | null = null;
    if (fs.existsSync(dbFile)) {
      previous = `${dbFile}.before-restore-${when}`;
      fs.renameSync(dbFile, previous);
      for (const suffix of ['-wal', '-shm']) if (fs.existsSync(dbFile + suffix)) fs.renameSync(dbFile + suffix, previous + suffix);
    }
    fs.renameSync(extracted, dbFile);
    swapped = true;
    let secretKey: RestoreResult['secretKey'] = config.secretKey ? 'environment' : 'none';
    let previousKey: string | null = null;
    if (archivedKey) {
      const keyFile = path.resolve(config.dataDir, KEY_FILE_NAME);
      fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
      if (fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8') === fs.readFileSync(archivedKey, 'utf8')) secretKey = 'unchanged';
      else {
        if (fs.existsSync(keyFile)) {
          previousKey = `${keyFile}.before-restore-${when}`;
          fs.renameSync(keyFile, previousKey);
        }
        fs.renameSync(archivedKey, keyFile);
        secretKey = 'restored';
      }
    }
    return { database: dbFile, from, backupCreatedAt: manifest.createdAt, previous, secretKey, previousKey, audit, counts: restoredCounts };
  } finally {
    if (!swapped) lock?.close();
    fs.rmSync(extracted, { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(extracted + suffix, { force: true });
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
}

/** The restored database's secrets must open with the key this installation will use after the restore. */
function checkKey(config: Config, archivedKey: string | undefined, stored: string | undefined): void {
  if (!stored) return;
  const keyFile = path.resolve(config.dataDir, KEY_FILE_NAME);
  let box: SecretBox | undefined, label: string;
  if (config.secretKey) {
    const ring = { current: config.secretKey, previous: config.secretKeyPrevious ? [config.secretKeyPrevious] : [] };
    box = new SecretBox(() => ring);
    label = 'MUSTER_SECRET_KEY';
  } else {
    const file = archivedKey ?? (fs.existsSync(keyFile) ? keyFile : undefined);
    label = archivedKey ? 'the key file in the backup' : `the key file ${keyFile}`;
    if (file) {
      const ring = readKeyFile(file);
      box = new SecretBox(() => ring);
    }
  }
  if (!box) {
    throw new BackupError('MUSTER_SECRET_KEY_NOT_FOUND', `the backup's secrets are stored with a key (fingerprint ${stored.slice(0, 12)}) that is neither in the backup nor set: set MUSTER_SECRET_KEY to it, then run muster restore again; nothing was restored`, 2);
  }
  if (!box.fingerprints().includes(stored)) {
    throw new BackupError('MUSTER_SECRET_KEY_MISMATCH', `${label} does not open the backup's secrets (fingerprint ${stored.slice(0, 12)}): set MUSTER_SECRET_KEY to the key the backup was made with (or unset it to use the key file in the backup); nothing was restored`, 2);
  }
}
