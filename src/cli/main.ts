/**
 * The `muster` command. Works on the database directly, so list and token commands also work
 * while a server is running (SQLite in WAL mode, or PostgreSQL). Other tools drive Muster through
 * these commands: keep their flags and JSON output stable.
 *
 * main(argv, io) returns the exit code and never exits: bin/muster.js does. Tests call it in
 * process with their own stdout, stderr and environment (test/cli.test.ts).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerType } from '@hono/node-server';
import { buildMuster, listen, listenMetrics, ListenError, openStore } from '../main.js';
import { COMMANDS, commandFor, helpFor, overview, usageLine } from './help.js';
import { ListsService, UsageError } from '../lists/lists-service.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { AdminKeys } from '../accounts/admin-keys.js';
import { AccountError, AdminAccounts } from '../accounts/admin-accounts.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { runMaintenance } from '../jobs/maintenance.js';
import { jobView } from '../jobs/job-runner.js';
import { COMPACT_JOB } from '../jobs/compact-job.js';
import { ENTRA_JOB, EntraSyncError } from '../sync/entra-sync.js';
import { SecretBoxError } from '../secrets/secret-box.js';
import { GraphError } from '../sync/graph-client.js';
import { secretKeyLine, secretsCommand } from './secrets-command.js';
import { StoreError, type Store } from '../store/index.js';
import { walletsCommand } from './wallets-command.js';
import { BackupError, backupSqlite, restoreSqlite } from '../backup/index.js';

type Out = (s: string) => void;

/** What a run of the command may touch of its process: injected, so that tests run it in process. */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output, or to standard error. */
  readonly stdout: Out;
  readonly stderr: Out;
  readonly env: NodeJS.ProcessEnv;
  /** All of standard input, as text (for --secret-stdin and --password-stdin). */
  readonly stdin: () => Promise<string>;
  /** Calls `stop` once when the process is asked to end (SIGTERM, SIGINT); `muster serve` then closes and main resolves. */
  readonly onStop: (stop: () => void) => void;
}

/** The real process's streams, environment and signals. */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s + '\n'),
    stderr: (s) => void process.stderr.write(s + '\n'),
    env: process.env,
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    onStop: (stop) => {
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
  };
}

/** A failure of the command itself, with its code in docs/errors.md and its exit code. */
export class CliError extends Error {
  constructor(readonly code: string, message: string, readonly exitCode: number, readonly reason?: string) {
    super(message);
    this.name = 'CliError';
  }
}

function baseUrlFor(config: Config, listId: string, port = config.port): string {
  const origin = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  return `${origin}/scim/v2/lists/${listId}`;
}

async function withStore<T>(config: Config, fn: (store: Store, lists: ListsService) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await fn(store, new ListsService(store, new AuditTrail(config.audit)));
  } finally {
    await store.close();
  }
}

function need(v: string | undefined, flag: string): string {
  if (!v) throw new UsageError('MUSTER_CLI_USAGE', `missing ${flag}`);
  return v;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const out = io.stdout;
  const env = io.env;
  const readStdin = async () => (await io.stdin()).trim();
  // `muster wallets …` parses its own flags (src/cli/wallets-command.ts); its help comes from help.ts like every command's.
  if (argv[0] === 'wallets' && !argv.includes('--help') && !argv.includes('-h')) return walletsCommand(loadConfig(env), argv.slice(1), out);
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      name: { type: 'string' }, uid: { type: 'string' }, org: { type: 'string' }, json: { type: 'boolean' },
      list: { type: 'string' }, label: { type: 'string' }, token: { type: 'string' },
      'external-id-unique': { type: 'string' },
      sync: { type: 'string' },
      strict: { type: 'string' },
      tenant: { type: 'string' }, client: { type: 'string' }, secret: { type: 'string' }, 'secret-stdin': { type: 'boolean' },
      groups: { type: 'string' }, schedule: { type: 'string' }, 'sync-photos': { type: 'boolean' }, authority: { type: 'string' }, graph: { type: 'string' }, wait: { type: 'boolean' },
      email: { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' },
      port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      to: { type: 'string' },
    },
  });
  const [cmd, sub] = positionals;
  if (!cmd && !values.help) {
    io.stderr(overview());
    throw new UsageError('MUSTER_CLI_USAGE', 'no command given');
  }
  // `muster --help`, `muster -h`, `muster help`, `muster lists --help`, `muster help lists create`: exit 0.
  if (values.help || cmd === 'help') {
    const words = cmd === 'help' ? positionals.slice(1) : positionals;
    const text = words.length ? helpFor(words) : overview();
    if (!text) throw new UsageError('MUSTER_CLI_USAGE', `no command "${words.join(' ')}"; muster --help lists the commands`);
    out(text);
    return 0;
  }
  // Checked like PORT is: NaN would otherwise reach listen() as "any port".
  if (values.port !== undefined && (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535)) throw new UsageError('MUSTER_CLI_USAGE', `--port must be an integer from 0 to 65535, got "${values.port}"`);
  const config = loadConfig(env, {
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  const json = values.json === true;

  if (cmd === 'serve') return serveCommand(config, io);
  if (cmd === 'backup') {
    if (sub !== undefined) throw new UsageError('MUSTER_CLI_USAGE', `muster backup takes --to FILE, not "${sub}"`);
    const r = await backupSqlite(config, need(values.to, '--to FILE'));
    out(json ? JSON.stringify(r) : `Backed up ${config.databaseUrl} to ${r.file} (${r.bytes} bytes in ${r.ms} ms): ${r.counts.lists} lists, ${r.counts.people} people, ${r.counts.auditEvents} audit events
${
      r.secretKey === 'included' ? 'The secret key file is in the archive: keep the archive as private as the key (it is mode 0600).'
        : r.secretKey === 'environment' ? 'The secret key is MUSTER_SECRET_KEY, not in the archive: keep it in your secret store; a restore needs it.'
          : 'No secret key yet: nothing in the database is encrypted with one.'}`);
    return 0;
  }
  if (cmd === 'restore') {
    const file = need(sub, 'the backup FILE (muster restore FILE)');
    if (positionals.length > 2) throw new UsageError('MUSTER_CLI_USAGE', 'muster restore takes one FILE');
    const r = await restoreSqlite(config, file);
    out(json ? JSON.stringify(r) : [
      `Restored ${r.database} from ${r.from} (backup of ${r.backupCreatedAt}): ${r.counts.lists} lists, ${r.counts.people} people, ${r.counts.auditEvents} audit events`,
      ...r.audit.map((a) => `list ${a.listId}: audit trail ok, ${a.checked} events verified`),
      r.previous ? `The database it replaced is kept as ${r.previous}` : 'There was no database before.',
      r.secretKey === 'restored' ? `The secret key file was restored${r.previousKey ? `; the one it replaced is kept as ${r.previousKey}` : ''}.`
        : r.secretKey === 'environment' ? 'MUSTER_SECRET_KEY opens the restored secrets.' : r.secretKey === 'unchanged' ? 'The secret key file was already the backup\'s.' : 'The backup holds no secret key.',
      'Start Muster again (every node).',
    ].join('\n'));
    return 0;
  }
  if (cmd === 'lists' && sub === 'create') {
    const eiu = values['external-id-unique'];
    if (eiu !== undefined && eiu !== 'true' && eiu !== 'false') throw new UsageError('MUSTER_CLI_USAGE', '--external-id-unique takes true or false');
    const sync = values.sync ?? 'scim';
    if (sync !== 'scim' && sync !== 'none') throw new UsageError('MUSTER_CLI_USAGE', '--sync takes scim or none (Entra pull sync comes later)');
    const r = await withStore(config, (_s, lists) => lists.createList({
      name: need(values.name, '--name'), ...(values.uid !== undefined ? { uid: values.uid } : {}), org: values.org, externalIdUnique: eiu !== 'false', syncMethod: sync,
    }));
    const payload = {
      id: r.list.id, name: r.list.name, orgId: r.list.orgId, uidAttribute: r.list.uidAttribute, syncMethod: r.list.syncMethod,
      externalIdUnique: r.list.externalIdUnique, scimBaseUrl: r.token ? baseUrlFor(config, r.list.id) : null, token: r.token?.secret ?? null, tokenId: r.token?.token.id ?? null,
    };
    out(json ? JSON.stringify(payload)
      : r.token ? `Created list "${payload.name}" (${payload.id})\nSCIM base URL: ${payload.scimBaseUrl}\nBearer token:  ${payload.token}\n(the token is shown only now)`
        : `Created list "${payload.name}" (${payload.id}) without a sync method: fill it with CSV imports (POST /api/v1/lists/${payload.id}/import)`);
    return 0;
  }
  if (cmd === 'lists' && sub === 'configure' && values.sync !== undefined) {
    const listId = need(values.list, '--list');
    // Refused rather than half-done: one change of the sync method at a time.
    if (values.name !== undefined || values.strict !== undefined) throw new UsageError('MUSTER_CLI_USAGE', '--sync changes the sync method on its own: run lists configure again for --name or --strict');
    const r = await withStore(config, (_s, lists) => lists.setSyncMethod(listId, values.sync));
    const payload = { id: r.list.id, syncMethod: r.list.syncMethod, token: r.token?.secret ?? null, scimBaseUrl: r.token ? baseUrlFor(config, listId) : null };
    out(json ? JSON.stringify(payload) : `List ${listId}: sync method ${payload.syncMethod}${payload.token ? `\nSCIM base URL: ${payload.scimBaseUrl}\nBearer token:  ${payload.token}` : ''}`);
    return 0;
  }
  if (cmd === 'entra') return entraCommand(config, sub, values, json, out, readStdin);
  if (cmd === 'lists' && sub === 'compact') return compactCommand(config, values, json, out);
  if (cmd === 'secrets') return secretsCommand(config, sub, json, out);
  if (cmd === 'lists' && sub === 'configure') {
    const listId = need(values.list, '--list');
    if (values.strict !== undefined && values.strict !== 'true' && values.strict !== 'false') throw new UsageError('MUSTER_CLI_USAGE', '--strict takes true or false');
    const l = await withStore(config, async (_s, lists) => {
      // The unique identifier first: refused once the list has people, and then nothing else changes either.
      if (values.uid !== undefined) await lists.changeUid(listId, values.uid);
      const rest = { ...(values.name !== undefined ? { name: values.name } : {}), ...(values.strict !== undefined ? { strict: values.strict === 'true' } : {}) };
      return Object.keys(rest).length || values.uid === undefined ? lists.configure(listId, rest) : lists.requireList(listId);
    });
    out(json ? JSON.stringify({ id: l.id, name: l.name, strict: l.strict, uidAttribute: l.uidAttribute }) : `List "${l.name}" (${l.id}): unique identifier ${l.uidAttribute}, strict mode ${l.strict ? 'on' : 'off'}`);
    return 0;
  }
  if (cmd === 'lists' && sub === 'list') {
    const all = await withStore(config, (s) => s.lists.all());
    const rows = all.map((l) => ({ id: l.id, name: l.name, uidAttribute: l.uidAttribute, syncMethod: l.syncMethod, scimBaseUrl: l.syncMethod === 'scim' ? baseUrlFor(config, l.id) : null }));
    out(json ? JSON.stringify(rows) : rows.map((r) => `${r.id}  ${r.name}  (${r.uidAttribute})  ${r.scimBaseUrl ?? `sync: ${r.syncMethod}`}`).join('\n') || 'no lists yet');
    return 0;
  }
  if (cmd === 'tokens' && sub === 'create') {
    const listId = need(values.list, '--list');
    const t = await withStore(config, (_s, lists) => lists.createToken(listId, values.label ?? 'Token'));
    const payload = { id: t.token.id, listId, label: t.token.label, token: t.secret, createdAt: t.token.createdAt, scimBaseUrl: baseUrlFor(config, listId) };
    out(json ? JSON.stringify(payload) : `Token "${payload.label}" (${payload.id})\nBearer token: ${payload.token}\n(the token is shown only now)`);
    return 0;
  }
  if (cmd === 'tokens' && sub === 'list') {
    const listId = need(values.list, '--list');
    const all = await withStore(config, (_s, lists) => lists.listTokens(listId));
    out(json ? JSON.stringify(all) : all.map((t) => `${t.id}  ${t.label}  ${t.hint}  created ${t.createdAt}  last used ${t.lastUsedAt ?? 'never'}${t.revokedAt ? '  REVOKED ' + t.revokedAt : ''}`).join('\n') || 'no tokens');
    return 0;
  }
  if (cmd === 'tokens' && sub === 'revoke') {
    const listId = need(values.list, '--list');
    const tokenId = need(values.token, '--token');
    await withStore(config, (_s, lists) => lists.revokeToken(listId, tokenId));
    out(json ? JSON.stringify({ id: tokenId, listId, revoked: true }) : `Revoked token ${tokenId}`);
    return 0;
  }
  if (cmd === 'audit' && sub === 'verify') {
    const results = await withStore(config, async (store) => {
      const audit = new AuditTrail(true);
      const ids = values.list ? [values.list] : (await store.lists.all()).map((l) => l.id);
      const out = [];
      for (const id of ids) out.push(await audit.verify(store, id));
      return out;
    });
    if (json) out(JSON.stringify(results));
    else {
      for (const r of results) {
        out(r.ok ? `list ${r.listId}: ok, ${r.checked} events verified`
          : `list ${r.listId}: TAMPERED at event seq ${r.firstBad!.seq}${r.firstBad!.id !== null ? ` (row id ${r.firstBad!.id})` : ''}: ${r.firstBad!.reason}`);
      }
      if (results.length === 0) out('no lists');
    }
    return results.every((r) => r.ok) ? 0 : 3;
  }
  if (cmd === 'audit' && sub === 'prune') {
    const r = await withStore(config, (store) => runMaintenance(store, new AuditTrail(true), config, new Date()));
    out(json ? JSON.stringify(r) : `removed ${r.auditEvents} audit events, ${r.requestLogEntries} request-log entries, ${r.verifications} verification-log entries, ${r.events} outbox events and ${r.sessions} expired sessions`);
    // Every other task ran; each failure is named, and the exit status says something was left.
    for (const f of r.failures) io.stderr(`muster: could not prune the ${f.task}${f.listId ? ` of list ${f.listId}` : ''}: ${f.error}`);
    return r.failures.length ? 1 : 0;
  }
  if (cmd === 'admin-keys' && sub === 'create') {
    const k = await withStore(config, (store, lists) => new AdminKeys(store, new AuditTrail(config.audit), lists).create(values.org, values.label ?? 'Admin key'));
    const payload = { id: k.id, orgId: k.orgId, label: k.label, key: k.secret, createdAt: k.createdAt };
    out(json ? JSON.stringify(payload) : `Admin key "${payload.label}" (${payload.id}) for organisation ${payload.orgId}\nKey: ${payload.key}\n(shown only now)`);
    return 0;
  }
  if (cmd === 'admins' && (sub === 'unlock' || sub === 'reset-password' || sub === 'installation-owner')) {
    return withStore(config, async (store) => {
      const accounts = new AdminAccounts(store);
      const email = need(values.email, '--email');
      if (sub === 'installation-owner') {
        const a = await accounts.makeInstallationOwner(email);
        out(json ? JSON.stringify(a) : `${a.email} now owns the installation: they set its wallet credentials in the web app (Installation)`);
        return 0;
      }
      if (sub === 'unlock') {
        const a = await accounts.unlock(email);
        out(json ? JSON.stringify(a) : `${a.email} can sign in again`);
        return 0;
      }
      const generated = !values['password-stdin'];
      const password = generated ? randomBytes(18).toString('base64url') : await readStdin();
      const a = await accounts.resetPassword(email, password);
      out(json ? JSON.stringify({ ...a, ...(generated ? { password } : {}) }) : `New password for ${a.email}${generated ? `: ${password}\n(shown only now)` : ' set'}; their sessions are ended`);
      // Passwords off (single sign-on): an owner's new password is the break-glass way in, once, within the hour.
      if (!json && a.passwordsOff) {
        out(a.passwordsOff.breakGlassUntil
          ? `Passwords are off for this organisation (it signs in with ${a.passwordsOff.provider}): this password signs ${a.email} in once, until ${a.passwordsOff.breakGlassUntil} (break-glass). Fix or remove the single sign-on connection in Settings, then sign in with ${a.passwordsOff.provider} again.`
          : `Passwords are off for this organisation (it signs in with ${a.passwordsOff.provider}): ${a.email} is not an owner, so this password does not sign in until an owner turns passwords on again.`);
      }
      return 0;
    });
  }
  if (cmd === 'admins' && (sub === 'create' || sub === 'list')) {
    return withStore(config, async (store, lists) => {
      // Unlike lists create, a misspelt --org is an error here: an account in a new, empty organisation helps no one.
      let org;
      if (values.org) {
        org = await store.lists.organisation(values.org);
        if (!org) throw new UsageError('MUSTER_ORG_NOT_FOUND', `no organisation named or with id "${values.org}"`);
      } else {
        org = await lists.resolveOrganisation();
      }
      const accounts = new AdminAccounts(store);
      if (sub === 'list') {
        const all = await accounts.list(org.id);
        out(json ? JSON.stringify(all) : all.map((a) => `${a.email}  ${a.role}  ${a.name}  last sign-in ${a.lastSignInAt ?? 'never'}`).join('\n') || 'no accounts yet');
        return 0;
      }
      const generated = !values['password-stdin'];
      const password = generated ? randomBytes(18).toString('base64url') : await readStdin();
      // The first account of an installation is its owner unless said otherwise: otherwise nobody could manage accounts.
      const role = values.role ?? ((await store.admins.count()) === 0 ? 'owner' : 'admin');
      const a = await accounts.create(org.id, { email: need(values.email, '--email'), name: need(values.name, '--name'), role, password });
      const payload = { ...a, organisation: org.name, ...(generated ? { password } : {}) };
      out(json ? JSON.stringify(payload) : `Account ${a.email} (${a.role}) in ${org.name}${generated ? `\nPassword: ${password}\n(shown only now)` : ''}`);
      return 0;
    });
  }
  throw unknownCommand(positionals);
}

function unknownCommand(words: readonly string[]): UsageError {
  const subs = COMMANDS.filter((c) => c.name.startsWith(`${words[0]} `)).map((c) => c.name.split(' ')[1]!);
  if (words.length === 1 && subs.length) return new UsageError('MUSTER_CLI_USAGE', `"muster ${words[0]}" needs a subcommand: ${subs.join(', ')}; muster ${words[0]} --help shows them`);
  return new UsageError('MUSTER_CLI_USAGE', `unknown command "${words.join(' ')}"; ${subs.length ? `muster ${words[0]} --help lists its subcommands` : 'muster --help lists the commands'}`);
}

/**
 * `muster lists compact`: queues the `storage.compact` job (src/jobs/compact-job.ts) for one list or
 * every list with people, as migration 045 did, and with --wait works it here: the way to run it
 * again after a failure, or to see it end before a `VACUUM` with Muster stopped.
 */
async function compactCommand(config: Config, values: Record<string, string | boolean | undefined>, json: boolean, out: Out): Promise<number> {
  const muster = await buildMuster(config, undefined, false);
  try {
    const only = values.list as string | undefined;
    const lists = only ? [await muster.store.lists.get(only)] : await muster.store.lists.all();
    if (only && !lists[0]) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${only}"`);
    const queued: { listId: string; jobId: string }[] = [];
    for (const l of lists) {
      // One not yet ended (migration 045's, a server's) is the one to wait for.
      const pending = (await muster.store.roster.jobs(l!.id, 20)).find((j) => j.kind === COMPACT_JOB && (j.status === 'queued' || j.status === 'running'));
      if (pending) {
        queued.push({ listId: l!.id, jobId: pending.id });
        continue;
      }
      const { total } = await muster.store.roster.counts(l!.id);
      if (total === 0) continue;
      const jobId = randomUUID();
      await muster.store.roster.enqueue({ id: jobId, listId: l!.id, kind: COMPACT_JOB, params: {}, total, now: new Date().toISOString() });
      queued.push({ listId: l!.id, jobId });
    }
    if (!values.wait) {
      out(json ? JSON.stringify(queued) : queued.map((q) => `list ${q.listId}: queued ${q.jobId}; a running server works it (or add --wait)`).join('\n') || 'no list has people');
      return 0;
    }
    const ended: ReturnType<typeof jobView>[] = [];
    for (const q of queued) {
      for (;;) {
        const job = await muster.store.roster.job(q.jobId);
        if (job && job.status !== 'queued' && job.status !== 'running') {
          ended.push(jobView(job));
          if (!json) out(`list ${q.listId}: ${job.status} ${job.result ?? job.error ?? ''}`);
          break;
        }
        // Only compaction: other queued work (e-mails, wallet deliveries, Entra runs) is a server's to do.
        if (!(await muster.jobs.runOnce([COMPACT_JOB]))) await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (json) out(JSON.stringify(ended));
    else if (!queued.length) out('no list has people');
    return ended.every((j) => j.status === 'done') ? 0 : 3;
  } finally {
    await muster.close();
  }
}

async function entraCommand(config: Config, sub: string | undefined, values: Record<string, string | boolean | undefined>, json: boolean, out: Out, readStdin: () => Promise<string>): Promise<number> {
  const listId = need(values.list as string | undefined, '--list');
  const muster = await buildMuster(config, undefined, false);
  try {
    const list = await muster.store.lists.get(listId);
    if (!list) throw new UsageError('MUSTER_LIST_NOT_FOUND', `no list with id "${listId}"`);
    if (sub === 'connect') {
      const secret = values['secret-stdin'] ? await readStdin() : (values.secret as string | undefined);
      await muster.entra.connect(list, {
        tenantId: need(values.tenant as string | undefined, '--tenant'), clientId: need(values.client as string | undefined, '--client'),
        clientSecret: need(secret, '--secret-stdin (or --secret)'), groupIds: need(values.groups as string | undefined, '--groups').split(',').map((g) => g.trim()).filter(Boolean),
        ...(values.schedule ? { schedule: values.schedule as string } : {}),
        ...(values.authority ? { authorityUrl: values.authority as string } : {}), ...(values.graph ? { graphUrl: values.graph as string } : {}),
        syncPhotos: values['sync-photos'] === true,
      });
      out(json ? JSON.stringify({ listId, connected: true }) : `List ${listId} now syncs from Entra ID. Check it with: muster entra test --list ${listId}`);
      return 0;
    }
    if (sub === 'test') {
      const r = await muster.entra.test(listId);
      out(json ? JSON.stringify(r) : r.ok ? `ok: the app can read ${r.users} users and ${r.groups} groups`
        : `not ok: ${r.error ?? `missing permission(s) ${r.missingPermissions.join(', ')} (grant them as application permissions with admin consent)`}`);
      return r.ok ? 0 : 3;
    }
    if (sub === 'sync') {
      const id = await muster.entra.enqueue(listId, 'manual');
      if (!values.wait) {
        out(json ? JSON.stringify({ runId: id }) : `queued run ${id}; a running server works it (or add --wait)`);
        return 0;
      }
      for (;;) {
        const worked = await muster.jobs.runOnce();
        const job = await muster.store.roster.job(id);
        if (job && job.status !== 'queued' && job.status !== 'running') {
          out(json ? JSON.stringify(jobView(job)) : `run ${id}: ${job.status} ${job.result ?? job.error ?? ''}`);
          return job.status === 'done' ? 0 : 3;
        }
        if (!worked) await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (sub === 'runs') {
      const runs = (await muster.store.roster.jobs(listId, 50)).filter((j) => j.kind === ENTRA_JOB).map(jobView);
      out(json ? JSON.stringify(runs) : runs.map((r) => `${r.createdAt}  ${r.status}  ${JSON.stringify(r.result ?? r.progress ?? r.error)}`).join('\n') || 'no runs yet');
      return 0;
    }
    throw unknownCommand(['entra', ...(sub ? [sub] : [])]);
  } finally {
    await muster.close();
  }
}

async function serveCommand(config: Config, io: CliIo): Promise<number> {
  // Jobs start, and the demo list is made, only once the port is ours: a second `muster serve`
  // on a busy port must change nothing and say so, not hang with a token it never printed.
  const muster = await buildMuster(config, undefined, false);
  let listening;
  try {
    listening = await listen(muster.app, config.port, config.host);
  } catch (err) {
    await muster.close();
    throw err;
  }
  const { server, port } = listening;
  let metricsServer: ServerType | undefined;
  if (config.metricsListen) {
    try {
      metricsServer = (await listenMetrics(muster.metrics, config.metricsListen.port, config.metricsListen.host)).server;
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await muster.close();
      throw err;
    }
  }
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      const done = () => resolve(0);
      void shutDown(muster, config.shutdownGraceMs, [server, ...(metricsServer ? [metricsServer] : [])]).then(done, (err: unknown) => {
        muster.log.error('shutdown failed', { err: String(err) });
        done();
      });
    };
    io.onStop(stop);
  });
  try {
    muster.startJobs();
    const existing = await muster.store.lists.all();
    let demo: { id: string; token?: string } | undefined;
    if (existing.length === 0 && config.demo) {
      const org = await muster.lists.resolveOrganisation('Demo organisation');
      const r = await muster.lists.createList({ name: 'Staff', uid: 'employeeNumber', org: org.id, tokenLabel: 'Demo token' });
      demo = { id: r.list.id, ...(r.token ? { token: r.token.secret } : {}) };
    } else if (existing[0]) {
      demo = { id: existing[0].id };
    }
    // Retention: any node may run it; the deletes are idempotent.
    const maintain = () => void runMaintenance(muster.store, muster.audit, config, new Date())
      .then((r) => { for (const f of r.failures) muster.log.error('maintenance failed', { task: f.task, ...(f.listId ? { listId: f.listId } : {}), err: f.error }); })
      .catch((err: unknown) => muster.log.error('maintenance failed', { err: String(err) }));
    maintain();
    setInterval(maintain, 3_600_000).unref();
    const out = io.stdout;
    out(`Muster is listening on http://${config.host}:${port} (database: ${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')})`);
    const webUrl = config.publicUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    out(await muster.accounts.setupRequired()
      ? `Admin web app: ${webUrl}/  (first run: open it to create the owner account, or run: muster admins create --role owner --email … --name …)`
      : `Admin web app: ${webUrl}/`);
    out(secretKeyLine(muster.secretKey));
    if (metricsServer) out(`Metrics: http://${config.metricsListen!.host}:${(metricsServer.address() as AddressInfo).port}/metrics`);
    if (demo) {
      const base = baseUrlFor(config, demo.id, port);
      out(`SCIM base URL: ${base}`);
      out(demo.token
        ? `Bearer token:  ${demo.token}\n(shown once: store it now; create more with: muster tokens create --list ${demo.id})`
        : `Bearer token:  shown when the list was created; create another with: muster tokens create --list ${demo.id}`);
      // Both lines paste into a shell as they are, for the README's "Try it" (base URLs and tokens need no quoting).
      out('# for a shell (README, "Try it"):');
      out(`export BASE=${base}${demo.token ? ` TOKEN=${demo.token}` : ''}`);
    }
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await muster.close();
    throw err;
  }
  return stopped;
}

/**
 * SIGTERM: stop accepting connections, let in-flight requests finish and running jobs reach their
 * end for up to `graceMs`, hand back what is still claimed, then close the database. Idle
 * keep-alive connections are closed at once and each busy one as soon as its answer is out, so a
 * client is never cut mid-request within the grace period; after it, what is left is cut (its
 * client saw no answer, so nothing it believes done is lost). Node's server.close() stops the
 * listening socket (https://nodejs.org/api/http.html#serverclosecallback).
 */
async function shutDown(muster: Awaited<ReturnType<typeof buildMuster>>, graceMs: number, servers: readonly ServerType[]): Promise<void> {
  muster.log.info('stopping: no new connections; finishing requests and jobs in flight', { graceSeconds: graceMs / 1000 });
  const http = Promise.all(servers.map((server) => new Promise<void>((resolve) => {
    server.close(() => resolve());
    const s = server as Partial<Pick<HttpServer, 'closeIdleConnections' | 'closeAllConnections'>>;
    s.closeIdleConnections?.();
    // Connections whose answer went out since: closed as they become idle.
    const sweep = setInterval(() => s.closeIdleConnections?.(), 50);
    const cut = setTimeout(() => s.closeAllConnections?.(), graceMs);
    server.once('close', () => {
      clearInterval(sweep);
      clearTimeout(cut);
    });
  })));
  await Promise.all([http, muster.jobs.stop(graceMs)]);
  // The jobs are stopped (or handed back) already: close() only flushes the logs and closes the database.
  await muster.close(0);
  muster.log.info('stopped');
}

/** Every failure as a CliError: its documented code (docs/errors.md) and exit code. */
function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof UsageError) return new CliError(err.code, err.message, 1);
  if (String((err as { code?: unknown } | null)?.code).startsWith('ERR_PARSE_ARGS')) {
    // node:util parseArgs words its errors for programmers ("Unknown option '--nmae'. To specify…"): the first sentence is enough.
    return new CliError('MUSTER_CLI_USAGE', (err as Error).message.split('. ')[0]!.replace(/\.$/, ''), 1);
  }
  if (err instanceof ConfigError || err instanceof StoreError || err instanceof ListenError || err instanceof SecretBoxError) return new CliError(err.code, err.message, 2);
  if (err instanceof BackupError) return new CliError(err.code, err.message, err.exitCode);
  if (err instanceof AccountError) return new CliError('MUSTER_ACCOUNT_REFUSED', err.message, 1, err.code);
  if (err instanceof EntraSyncError) return new CliError('MUSTER_ENTRA_FAILED', err.message, err.status === 400 ? 1 : 2, err.code);
  if (err instanceof GraphError) return new CliError('MUSTER_ENTRA_FAILED', `Microsoft Graph answered ${err.status} ${err.code}: ${err.message}`, 2, 'graph_error');
  return new CliError('MUSTER_UNEXPECTED', `unexpected error: ${(err as Error | undefined)?.message ?? String(err)}`, 2);
}

/**
 * Runs the command; resolves with the exit code: 0 ok, 1 usage and refused changes, 2
 * configuration, database, start-up or unexpected problems, 3 a check that ran and failed
 * (docs/errors.md). Errors are written last, on stderr, one line with their code; with --json,
 * as one JSON object on stderr (stdout carries only results).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    const e = asCliError(err);
    if (argv.includes('--json')) {
      io.stderr(JSON.stringify({ error: e.code, detail: e.message, ...(e.reason ? { reason: e.reason } : {}), exitCode: e.exitCode }));
      return e.exitCode;
    }
    // A bug: its stack first, for the report; the short line stays last.
    if (e.code === 'MUSTER_UNEXPECTED' && err instanceof Error && err.stack) io.stderr(err.stack);
    if (e.code === 'MUSTER_CLI_USAGE') {
      const firstFlag = argv.findIndex((a) => a.startsWith('-'));
      const command = commandFor(firstFlag === -1 ? argv : argv.slice(0, firstFlag));
      if (command) io.stderr(`${usageLine(command)}\n(muster ${command.name} --help explains each flag)`);
    }
    io.stderr(`muster: ${e.message} [${e.code}]`);
    return e.exitCode;
  }
}
