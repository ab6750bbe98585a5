/**
 * The `muster` command. Works on the database directly, so list and token commands also work
 * while a server is running (SQLite in WAL mode, or PostgreSQL). Other tools drive Muster through
 * these commands: keep their flags and JSON output stable.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { buildMuster, listen, openStore } from '../main.js';
import { ListsService, UsageError } from '../provisioning/lists-service.js';
import { AuditTrail } from '../provisioning/audit-trail.js';
import { AdminKeys } from '../provisioning/admin-keys.js';
import { AccountError, AdminAccounts } from '../provisioning/admin-accounts.js';
import { randomBytes } from 'node:crypto';
import { runMaintenance } from '../provisioning/maintenance.js';
import { jobView } from '../provisioning/jobs.js';
import { ENTRA_JOB, EntraSyncError } from '../sync/entra-sync.js';
import { SecretBoxError } from '../sync/secret-box.js';
import { GraphError } from '../sync/graph-client.js';
import { StoreError, type Store } from '../store/index.js';
import { WALLETS_HELP, walletsCommand } from './wallets-command.js';

const HELP = `muster: keeps ID-credential rosters in sync with your identity provider (SCIM 2.0)

Usage:
  muster serve [--port N] [--host H]          start the server (PORT, HOST, MUSTER_DATABASE_URL)
  muster lists create --name NAME --uid employeeNumber|userName|email [--org ORG]
                      [--sync scim|none] [--external-id-unique true|false] [--json]
  muster lists configure --list ID [--name NAME] [--strict true|false] [--json]
  muster lists list [--json]
  muster tokens create --list ID [--label LABEL] [--json]
  muster tokens list --list ID [--json]
  muster tokens revoke --list ID --token TOKEN_ID [--json]
  muster lists configure --list ID --sync none|scim    (SCIM off revokes its tokens; on prints a token)
  muster entra connect --list ID --tenant T --client C --secret-stdin --groups G1,G2
                      [--schedule manual|15m|hourly|daily] [--sync-photos] [--authority URL] [--graph URL] [--json]
  muster entra test --list ID [--json]          which users and groups the app can read
  muster entra sync --list ID [--wait] [--json] queue a run (and wait for it, showing progress)
  muster entra runs --list ID [--json]          run history with outcomes
  muster audit verify [--list ID] [--json]      check each list's hash chain; names the first bad event
  muster audit prune [--json]                   apply MUSTER_AUDIT_RETENTION_DAYS and the request-log retention now
  muster admin-keys create [--org ORG] [--label LABEL] [--json]   (--org may be left out when there is one organisation)
  muster admins create --email EMAIL --name NAME [--role owner|admin|viewer] [--org ORG]
                      [--password-stdin] [--json]   a web app account (a password is generated without --password-stdin;
                                                    the first account is the owner unless --role says otherwise)
  muster admins list [--org ORG] [--json]
  muster admins unlock --email EMAIL [--json]     lift a lock-out after failed sign-ins
  muster admins reset-password --email EMAIL [--password-stdin] [--json]   (ends the account's sessions)
${WALLETS_HELP}

The database is MUSTER_DATABASE_URL: a SQLite file path (default ./data/muster.sqlite)
or a postgres:// URL. See docs/configuration.md for every variable.`;

type Out = (s: string) => void;

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
  if (!v) throw new UsageError('MUSTER_CLI_USAGE', `missing ${flag}\n\n${HELP}`);
  return v;
}

export async function run(argv: readonly string[], out: Out = (s) => process.stdout.write(s + '\n'), env = process.env): Promise<number> {
  if (argv[0] === 'wallets') return walletsCommand(loadConfig(env), argv.slice(1), out);
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
    },
  });
  const [cmd, sub] = positionals;
  if (values.help || !cmd) {
    out(HELP);
    return cmd ? 0 : 1;
  }
  const config = loadConfig(env, {
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  const json = values.json === true;

  if (cmd === 'serve') return serveCommand(config, out);
  if (cmd === 'lists' && sub === 'create') {
    const eiu = values['external-id-unique'];
    if (eiu !== undefined && eiu !== 'true' && eiu !== 'false') throw new UsageError('MUSTER_CLI_USAGE', '--external-id-unique takes true or false');
    const sync = values.sync ?? 'scim';
    if (sync !== 'scim' && sync !== 'none') throw new UsageError('MUSTER_CLI_USAGE', '--sync takes scim or none (Entra pull sync comes later)');
    const r = await withStore(config, (_s, lists) => lists.createList({
      name: need(values.name, '--name'), uid: need(values.uid, '--uid'), org: values.org, externalIdUnique: eiu !== 'false', syncMethod: sync,
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
  if (cmd === 'entra') return entraCommand(config, sub, values, json, out);
  if (cmd === 'lists' && sub === 'configure') {
    const listId = need(values.list, '--list');
    if (values.strict !== undefined && values.strict !== 'true' && values.strict !== 'false') throw new UsageError('MUSTER_CLI_USAGE', '--strict takes true or false');
    const l = await withStore(config, (_s, lists) => lists.configure(listId, {
      ...(values.name !== undefined ? { name: values.name } : {}), ...(values.strict !== undefined ? { strict: values.strict === 'true' } : {}),
    }));
    out(json ? JSON.stringify({ id: l.id, name: l.name, strict: l.strict }) : `List "${l.name}" (${l.id}): strict mode ${l.strict ? 'on' : 'off'}`);
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
    out(json ? JSON.stringify(r) : `removed ${r.auditEvents} audit events, ${r.requestLogEntries} request-log entries, ${r.verifications} verification-log entries and ${r.sessions} expired sessions`);
    return 0;
  }
  if (cmd === 'admin-keys' && sub === 'create') {
    const k = await withStore(config, (store, lists) => new AdminKeys(store, new AuditTrail(config.audit), lists).create(values.org, values.label ?? 'Admin key'));
    const payload = { id: k.id, orgId: k.orgId, label: k.label, key: k.secret, createdAt: k.createdAt };
    out(json ? JSON.stringify(payload) : `Admin key "${payload.label}" (${payload.id}) for organisation ${payload.orgId}\nKey: ${payload.key}\n(shown only now)`);
    return 0;
  }
  if (cmd === 'admins' && (sub === 'unlock' || sub === 'reset-password')) {
    return withStore(config, async (store) => {
      const accounts = new AdminAccounts(store);
      const email = need(values.email, '--email');
      if (sub === 'unlock') {
        const a = await accounts.unlock(email);
        out(json ? JSON.stringify(a) : `${a.email} can sign in again`);
        return 0;
      }
      const generated = !values['password-stdin'];
      const password = generated ? randomBytes(18).toString('base64url') : await readStdin();
      const a = await accounts.resetPassword(email, password);
      out(json ? JSON.stringify({ ...a, ...(generated ? { password } : {}) }) : `New password for ${a.email}${generated ? `: ${password}\n(shown only now)` : ' set'}; their sessions are ended`);
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
  throw new UsageError('MUSTER_CLI_USAGE', `unknown command "${positionals.join(' ')}"\n\n${HELP}`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function entraCommand(config: Config, sub: string | undefined, values: Record<string, string | boolean | undefined>, json: boolean, out: Out): Promise<number> {
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
    throw new UsageError('MUSTER_CLI_USAGE', `unknown command "entra ${sub ?? ''}"\n\n${HELP}`);
  } finally {
    await muster.close();
  }
}

async function serveCommand(config: Config, out: Out): Promise<number> {
  const muster = await buildMuster(config);
  const existing = await muster.store.lists.all();
  let demo: { id: string; token?: string } | undefined;
  if (existing.length === 0 && config.demo) {
    const org = await muster.lists.resolveOrganisation('Demo organisation');
    const r = await muster.lists.createList({ name: 'Staff', uid: 'employeeNumber', org: org.id, tokenLabel: 'Demo token' });
    demo = { id: r.list.id, ...(r.token ? { token: r.token.secret } : {}) };
  } else if (existing[0]) {
    demo = { id: existing[0].id };
  }
  const { server, port } = await listen(muster.app, config.port, config.host);
  // Retention: any node may run it; the deletes are idempotent.
  const maintain = () => void runMaintenance(muster.store, muster.audit, config, new Date())
    .catch((err: unknown) => muster.log.error('maintenance failed', { err: String(err) }));
  maintain();
  setInterval(maintain, 3_600_000).unref();
  out(`Muster is listening on http://${config.host}:${port} (database: ${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')})`);
  const webUrl = config.publicUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  out(await muster.accounts.setupRequired()
    ? `Admin web app: ${webUrl}/  (first run: open it to create the owner account, or run: muster admins create --role owner --email … --name …)`
    : `Admin web app: ${webUrl}/`);
  if (demo) {
    out(`SCIM base URL: ${baseUrlFor(config, demo.id, port)}`);
    out(demo.token
      ? `Bearer token:  ${demo.token}\n(shown once: store it now; create more with: muster tokens create --list ${demo.id})`
      : `Bearer token:  shown when the list was created; create another with: muster tokens create --list ${demo.id}`);
  }
  const stop = () => {
    server.close(() => void muster.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<number>(() => undefined);
}

/** Entry point for bin/muster.js: exit codes 0 ok, 1 usage, 2 configuration/database problems, 3 audit verification failed. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await run(argv);
  } catch (err) {
    if (err instanceof EntraSyncError || err instanceof SecretBoxError || err instanceof GraphError) {
      process.stderr.write(`muster: ${err.message}\n`);
      process.exitCode = err instanceof EntraSyncError && err.status === 400 ? 1 : 2;
      return;
    }
    if (err instanceof AccountError) {
      process.stderr.write(`muster: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof StoreError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`muster: ${(err as Error).message}\n`);
      process.exitCode = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 1 : 2;
      return;
    }
    process.stderr.write(`muster: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  }
}
