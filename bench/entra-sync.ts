// Entra pull sync benchmark: an initial sync of N users (default 10,000) in scoped groups from
// the Graph emulator (test/fakes/graph: Graph's paging, tokens and delta semantics), then a round
// of changes, timed; figures go to bench/RESULTS.md with --markdown.
//
//   npm run build && npx tsx bench/entra-sync.ts [--n 10000] [--page 100] [--markdown]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { buildMuster } from '../src/main.js';

import { startGraphEmulator } from '../test/fakes/graph/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, page: { type: 'string', default: '100' }, markdown: { type: 'boolean' }, db: { type: 'string' } } });
const N = Number(values.n);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-entra-bench-'));
const graph = await startGraphEmulator({ pageSize: Number(values.page) });
const { groups } = graph.seed({ users: Math.round(N * 1.2), groups: [{ name: 'Staff', members: Math.round(N * 0.7) }, { name: 'Contractors', members: Math.round(N * 0.35) }, { name: 'Out of scope', members: 500 }], seed: 1 });
const config = loadConfig({ MUSTER_DATABASE_URL: values.db ?? path.join(dir, 'muster.sqlite'), MUSTER_LOG_LEVEL: 'error', MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true' });
const muster = await buildMuster(config, undefined, false);
const { list } = await muster.lists.createList({ name: 'Entra bench', uid: 'userName', org: 'Bench', syncMethod: 'none' });
await muster.entra.connect(list, {
  tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: [groups[0]!.id, groups[1]!.id],
  schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url,
});
const inScope = new Set([...graph.getGroup(groups[0]!.id)!.members, ...graph.getGroup(groups[1]!.id)!.members]);

async function run(): Promise<{ seconds: number; result: Record<string, number>; progress: string[] }> {
  const id = await muster.entra.enqueue(list.id, 'manual');
  const t0 = performance.now();
  const progress: string[] = [];
  let lastLog = 0;
  for (;;) {
    const worked = await muster.jobs.runOnce();
    const job = (await muster.store.roster.job(id))!;
    const s = (performance.now() - t0) / 1000;
    if (s - lastLog > 2) {
      progress.push(`${s.toFixed(0)} s: ${job.done} people`);
      lastLog = s;
    }
    if (job.status === 'done') return { seconds: s, result: JSON.parse(job.result!), progress };
    if (job.status === 'failed') throw new Error(job.error ?? 'failed');
    if (!worked) await new Promise((r) => setTimeout(r, 20));
  }
}

const initial = await run();
console.log(`initial sync: ${inScope.size} people in scope, ${JSON.stringify(initial.result)} in ${initial.seconds.toFixed(1)} s`);
const members = graph.getGroup(groups[0]!.id)!.members;
const changes = Math.min(500, Math.floor(members.length / 10));
for (let i = 0; i < changes; i++) graph.updateUser(members[i]!, { department: `Changed ${i % 7}` });
for (let i = changes; i < changes + 50; i++) graph.removeMember(groups[0]!.id, members[i]!);
const delta = await run();
console.log(`delta round (${changes} changes, 50 leavers): ${JSON.stringify(delta.result)} in ${delta.seconds.toFixed(1)} s`);

/** The list must be exactly what Entra describes: enabled members of the scoped groups are active. */
async function exact(): Promise<boolean> {
  const want = new Set<string>();
  for (const g of [groups[0]!.id, groups[1]!.id]) for (const m of graph.getGroup(g)!.members) if (graph.getUser(m)?.accountEnabled) want.add(m);
  const have = new Set<string>();
  let after = 0;
  for (;;) {
    const b = await muster.store.users.activeAfter(list.id, after, 1000);
    if (!b.length) break;
    for (const p of b) have.add(p.externalId!);
    after = b[b.length - 1]!.seq;
  }
  return want.size === have.size && [...want].every((x) => have.has(x));
}
const exactAfterDelta = await exact();
const eventsBefore = (await muster.store.audit.query({ listId: list.id, order: 'asc', limit: 1_000_000 })).length;
graph.expireDeltaTokens();
const resync = await run();
const eventsAfter = (await muster.store.audit.query({ listId: list.id, order: 'asc', limit: 1_000_000 })).length;
const exactAfterResync = await exact();
console.log(`expired token: full resync ${JSON.stringify(resync.result)} in ${resync.seconds.toFixed(1)} s; exact after delta ${exactAfterDelta}, after resync ${exactAfterResync}; events added by the resync: ${eventsAfter - eventsBefore}`);
const requests = graph.requests.length;
await muster.close();
await graph.close();
fs.rmSync(dir, { recursive: true, force: true });


if (values.markdown) {
  const md = [
    '<!-- entra-sync:start -->',
    `### Entra ID pull sync (${config.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite'}, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `Command: \`npx tsx bench/entra-sync.ts --n ${N} --page ${values.page} --markdown\`, against the Graph emulator in test/fakes/graph`,
    `(Graph's paging, delta tokens, members@delta and @removed; ${values.page} objects a page), Muster in the same process.`,
    '',
    `- Initial sync: **${inScope.size.toLocaleString('en')} people** in two scoped groups (of ${Math.round(N * 1.2).toLocaleString('en')} users in the tenant) in **${initial.seconds.toFixed(1)} s** — ${JSON.stringify(initial.result)}.`,
    `- Progress as the run reported it: ${initial.progress.filter((_, i, a) => i % Math.max(1, Math.floor(a.length / 6)) === 0).join(', ')}.`,
    `- Delta round after ${changes} department changes and 50 leavers: **${delta.seconds.toFixed(1)} s** — ${JSON.stringify(delta.result)}.`,
    `- Then every delta token expired (410): full resync in **${resync.seconds.toFixed(1)} s** — ${JSON.stringify(resync.result)}; audit events it added: **${eventsAfter - eventsBefore}** (nothing had changed).`,
    `- The list matched Entra exactly (enabled members of the scoped groups active, everyone else not) after the delta round: **${exactAfterDelta}**, after the resync: **${exactAfterResync}**.`,
    `- Graph requests in all: ${requests.toLocaleString('en')}.`,
    '<!-- entra-sync:end -->',
  ].join('\n');
  const file = path.join(root, 'bench', 'RESULTS.md');
  let text = fs.readFileSync(file, 'utf8');
  const re = /<!-- entra-sync:start -->[\s\S]*?<!-- entra-sync:end -->/;
  text = re.test(text) ? text.replace(re, md) : `${text.trimEnd()}\n\n${md}\n`;
  fs.writeFileSync(file, text);
}
