export { BackupError, backupSqlite, restoreSqlite, type BackupResult, type RestoreResult } from './sqlite-backup.js';
export { listEntries, TarError } from './tar.js';
