// The identity-provider-shaped workload, one function per phase. Each phase is bounded by a
// request count and by --max-phase-s, checks what the server answered (not only the status), and
// returns the figures of runPhase (lib.mjs). `ctx` carries the client, the options and the state
// later phases need (the ids the server gave, what each user should look like now).
import { Recorder, parseJson } from './lib.mjs';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCHOP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const GIVEN = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Sophie', 'Donald'];
const FAMILY = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman', 'Lee', 'Wilson', 'Knuth'];
const DEPTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'People', 'Legal', 'Support', 'Operations', 'Facilities'];
const TITLES = ['Engineer', 'Senior Engineer', 'Manager', 'Director', 'Analyst', 'Specialist', 'Consultant', 'Nurse', 'Teacher'];
const CITIES = ['London', 'Leeds', 'Manchester', 'Bristol', 'Glasgow', 'Cardiff'];

const given = (i) => GIVEN[i % GIVEN.length];
const family = (i) => FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length];
export const userName = (i) => `${given(i)}.${family(i)}.${i}@example.com`.toLowerCase();
const email = (i) => `${given(i)}.${family(i)}${i}@mail.example.com`.toLowerCase();
const externalId = (i) => `00u${(0x5f3a1c + i * 7919).toString(36)}${String(i).padStart(7, '0')}`;

/** A user as Okta or Entra ID sends it on create: core, enterprise extension, work email and phones. */
export function makeUser(i) {
  return {
    schemas: [CORE, ENT],
    externalId: externalId(i),
    userName: userName(i),
    active: true,
    displayName: `${given(i)} ${family(i)}`,
    name: { givenName: given(i), familyName: family(i), formatted: `${given(i)} ${family(i)}` },
    emails: [{ value: email(i), type: 'work', primary: true }],
    phoneNumbers: [
      { value: `+44 20 7946 ${String(i % 10000).padStart(4, '0')}`, type: 'work' },
      { value: `+44 7700 ${String(i % 1000000).padStart(6, '0')}`, type: 'mobile' },
    ],
    addresses: [{ type: 'work', streetAddress: `${1 + (i % 200)} High Street`, locality: CITIES[i % CITIES.length], postalCode: 'SW1A 1AA', country: 'GB', primary: true }],
    title: TITLES[i % TITLES.length],
    userType: 'Employee',
    preferredLanguage: 'en-GB',
    [ENT]: {
      employeeNumber: String(100000 + i),
      department: DEPTS[i % DEPTS.length],
      division: `Division ${i % 5}`,
      costCenter: `CC-${1000 + (i % 37)}`,
      manager: { value: externalId(Math.floor(i / 25) * 25) },
    },
  };
}

const q = (filter, extra = '') => `/Users?filter=${encodeURIComponent(filter)}${extra}`;
const byUserName = (i) => q(`userName eq "${userName(i)}"`);
const byEmail = (i) => q(`emails[type eq "work"].value eq "${email(i)}"`);
const byExternalId = (i) => q(`externalId eq "${externalId(i)}"`);
const patchBody = (ops) => ({ schemas: [PATCHOP], Operations: ops });

/** Expects a ListResponse holding exactly the user `i`. */
function expectOne(ph, op, r, ctx, i) {
  if (!ph.record(op, r, [200])) return;
  const j = parseJson(r.text);
  if (j?.totalResults !== 1 || j.Resources?.[0]?.id !== ctx.ids[i]) {
    ph.checkFail(op, `user ${i}: expected exactly ${ctx.ids[i]}, got totalResults=${j?.totalResults} first=${j?.Resources?.[0]?.id}`);
  }
}

/** Indexes of users the server created, in a seeded random order. */
function known(ctx) {
  return ctx.rand.shuffled(ctx.n).filter((i) => ctx.ids[i]);
}

// ---------------------------------------------------------------- phases

/** Initial load as an IdP does it: "does this user exist?" (a miss), then POST. */
export async function sync(ctx) {
  const { client, n } = ctx;
  const dec = Array.from({ length: 10 }, () => ({ f: new Recorder(), p: new Recorder() }));
  const r = await ctx.run('sync', n, ctx.opt.concurrency, async (i, ph) => {
    const d = dec[Math.min(9, Math.floor((i * 10) / n))];
    const g = await client.request('GET', byUserName(i));
    d.f.add(g.ms);
    if (ph.record('filter userName (miss)', g, [200]) && parseJson(g.text)?.totalResults !== 0) {
      ph.checkFail('filter userName (miss)', `user ${i}: expected totalResults 0, got ${g.text.slice(0, 120)}`);
    }
    const p = await client.request('POST', '/Users', makeUser(i));
    d.p.add(p.ms);
    if (ph.record('create', p, [201])) {
      const id = parseJson(p.text)?.id;
      if (id) ctx.ids[i] = id;
      else ph.checkFail('create', `user ${i}: no id in the 201 response`);
    }
  });
  // Latency by tenth of the load: a store that slows down as it grows shows here.
  r.extra.deciles = dec.map((d, k) => ({ decile: k + 1, filterP50: d.f.stats().p50, createP50: d.p.stats().p50 }));
  return r;
}

/** Lookups of existing users: by userName, by id, by work email, by externalId. */
export async function lookup(ctx, name = 'lookup', concurrency = ctx.opt.concurrency, count = ctx.opt.lookups) {
  const users = known(ctx);
  const picks = Array.from({ length: count }, (_, k) => (count <= users.length ? users[k] : users[ctx.rand.int(users.length)]));
  return ctx.run(name, picks.length, concurrency, async (k, ph) => {
    const i = picks[k];
    expectOne(ph, 'filter userName', await ctx.client.request('GET', byUserName(i)), ctx, i);
    const g = await ctx.client.request('GET', `/Users/${ctx.ids[i]}`);
    if (ph.record('get by id', g, [200]) && parseJson(g.text)?.id !== ctx.ids[i]) ph.checkFail('get by id', `user ${i}: wrong id`);
    expectOne(ph, 'filter emails[type eq "work"].value', await ctx.client.request('GET', byEmail(i)), ctx, i);
    expectOne(ph, 'filter externalId', await ctx.client.request('GET', byExternalId(i)), ctx, i);
  });
}

/** Attribute updates: half in the standard form with paths, half as Entra ID sends them. */
export async function patch(ctx) {
  const users = known(ctx).slice(0, ctx.opt.patches);
  return ctx.run('patch', users.length, ctx.opt.concurrency, async (k, ph) => {
    const i = users[k];
    let body, op;
    if (k % 2 === 0) {
      op = 'replace title + department (paths)';
      body = patchBody([
        { op: 'replace', path: 'title', value: `Title ${i} v2` },
        { op: 'replace', path: `${ENT}:department`, value: `Dept ${i} v2` },
      ]);
    } else {
      op = 'Replace, no path, dotted keys (Entra)';
      body = patchBody([{ op: 'Replace', value: { title: `Title ${i} v2`, [`${ENT}:department`]: `Dept ${i} v2`, 'name.givenName': `Given${i}` } }]);
    }
    const r = await ctx.client.request('PATCH', `/Users/${ctx.ids[i]}`, body);
    if (ph.record(op, r, [200, 204])) ctx.expected.set(i, { ...ctx.expected.get(i), title: `Title ${i} v2`, department: `Dept ${i} v2`, ...(k % 2 ? { givenName: `Given${i}` } : {}) });
  });
}

/** 10% of users leave: active false, half as Okta sends it, half as Entra ID does ("False"). */
export async function deactivate(ctx) {
  const users = known(ctx).slice(0, Math.max(1, Math.floor(ctx.n / 10)));
  return ctx.run('deactivate', users.length, ctx.opt.concurrency, async (k, ph) => {
    const i = users[k];
    const [op, body] = k % 2 === 0
      ? ['active false (Okta form)', patchBody([{ op: 'replace', value: { active: false } }])]
      : ['active "False" (Entra form)', patchBody([{ op: 'Replace', path: 'active', value: 'False' }])];
    const r = await ctx.client.request('PATCH', `/Users/${ctx.ids[i]}`, body);
    if (ph.record(op, r, [200, 204])) ctx.expected.set(i, { ...ctx.expected.get(i), active: false });
  });
}

/** The whole list, 100 per page, as an IdP's import or a reconciliation reads it. */
export async function list(ctx) {
  const size = 100;
  const first = parseJson((await ctx.client.request('GET', `/Users?startIndex=1&count=${size}`)).text) ?? {};
  const total = Number(first.totalResults ?? 0);
  const pages = Math.ceil(total / size);
  const seen = new Set();
  const dec = Array.from({ length: 10 }, () => new Recorder());
  let duplicates = 0;
  const r = await ctx.run('list', pages, ctx.opt.concurrency, async (k, ph) => {
    const startIndex = 1 + k * size;
    const g = await ctx.client.request('GET', `/Users?startIndex=${startIndex}&count=${size}`);
    dec[Math.min(9, Math.floor((k * 10) / pages))].add(g.ms);
    if (!ph.record('page of 100', g, [200])) return;
    const j = parseJson(g.text);
    const want = Math.min(size, total - startIndex + 1);
    if (j?.Resources?.length !== want || j.totalResults !== total) ph.checkFail('page of 100', `startIndex=${startIndex}: ${j?.Resources?.length} resources (want ${want}), totalResults ${j?.totalResults}`);
    for (const u of j?.Resources ?? []) {
      if (seen.has(u.id)) duplicates++;
      seen.add(u.id);
    }
  });
  const created = ctx.ids.filter(Boolean);
  const missing = r.truncated ? null : created.filter((id) => !seen.has(id)).length;
  r.extra = { totalResults: total, created: created.length, pages, uniqueIds: seen.size, duplicates, missing, deciles: dec.map((d, k) => ({ decile: k + 1, p50: d.stats().p50 })) };
  if (total !== created.length || duplicates || missing) {
    r.errors.check++;
    r.errorCount++;
    r.errorSamples.push(`list: totalResults ${total}, created ${created.length}, duplicates ${duplicates}, missing ${missing}`);
  }
  return r;
}

/** Reads a sample back and checks every PATCH and deactivation took effect. */
export async function verify(ctx) {
  const users = known(ctx).slice(0, 300);
  const r = await ctx.run('verify', users.length + 1, ctx.opt.concurrency, async (k, ph) => {
    if (k === users.length) {
      const want = [...ctx.expected.values()].filter((e) => e.active === false).length;
      const g = await ctx.client.request('GET', q('active eq false', '&count=0'));
      const got = ph.record('filter active eq false (count)', g, [200]) ? parseJson(g.text)?.totalResults : undefined;
      if (got !== undefined && got !== want) ph.checkFail('filter active eq false (count)', `totalResults ${got}, expected ${want}`);
      return;
    }
    const i = users[k];
    const g = await ctx.client.request('GET', `/Users/${ctx.ids[i]}`);
    if (!ph.record('get by id', g, [200])) return;
    const u = parseJson(g.text) ?? {};
    const base = makeUser(i), e = ctx.expected.get(i) ?? {};
    const want = { title: e.title ?? base.title, department: e.department ?? base[ENT].department, givenName: e.givenName ?? base.name.givenName, active: e.active ?? true };
    const got = { title: u.title, department: u[ENT]?.department, givenName: u.name?.givenName, active: u.active };
    const bad = Object.keys(want).filter((key) => want[key] !== got[key]);
    if (bad.length) ph.checkFail('get by id', `user ${i}: ${bad.map((key) => `${key}=${JSON.stringify(got[key])} want ${JSON.stringify(want[key])}`).join(', ')}`);
  });
  return r;
}

/** Lookups one at a time (concurrency 1): service time without queueing, the fairest size comparison. */
export async function probe(ctx) {
  return lookup(ctx, 'probe', 1, ctx.opt.probes);
}

/** One group, then every user added to it, 100 members per PATCH (as Entra ID batches them). */
export async function groupFill(ctx) {
  const c = await ctx.client.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Everyone', externalId: 'grp-everyone' });
  ctx.groupId = parseJson(c.text)?.id;
  if (!ctx.groupId) throw new Error(`cannot create the group: HTTP ${c.status} ${c.text.slice(0, 300)}`);
  const members = ctx.ids.filter(Boolean);
  const batches = Math.ceil(members.length / 100);
  const dec = Array.from({ length: 10 }, () => new Recorder());
  let added = 0;
  const r = await ctx.run('group-fill', batches, ctx.opt.groupConcurrency, async (b, ph) => {
    const value = members.slice(b * 100, b * 100 + 100).map((id) => ({ value: id }));
    const res = await ctx.client.request('PATCH', `/Groups/${ctx.groupId}`, patchBody([{ op: 'add', path: 'members', value }]));
    dec[Math.min(9, Math.floor((b * 10) / batches))].add(res.ms);
    if (ph.record('add 100 members', res, [200, 204])) added += value.length;
  });
  const g = await ctx.client.request('GET', q(`groups.value eq "${ctx.groupId}"`, '&count=0'));
  const inGroup = parseJson(g.text)?.totalResults;
  r.extra = { groupId: ctx.groupId, added, usersInGroup: inGroup, deciles: dec.map((d, k) => ({ decile: k + 1, p50: d.stats().p50 })) };
  if (inGroup !== added) {
    r.errors.check++;
    r.errorCount++;
    r.errorSamples.push(`group-fill: filter groups.value eq the group says ${inGroup} members (HTTP ${g.status}), ${added} were added`);
  }
  return r;
}

/**
 * Single-member changes (remove one, add it back) on the big group and on a 10-member group,
 * one at a time. Membership changes are deltas, so the two should cost about the same.
 */
export async function groupDelta(ctx) {
  const ids = ctx.ids.filter(Boolean);
  const small = ids.slice(0, 10);
  const s = await ctx.client.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Small team', members: small.map((value) => ({ value })) });
  const smallId = parseJson(s.text)?.id;
  if (!smallId || !ctx.groupId) throw new Error(`group-delta needs group-fill and a small group: HTTP ${s.status} ${s.text.slice(0, 300)}`);
  const count = ctx.opt.groupDeltas;
  const r = await ctx.run('group-delta', 2 * count, 1, async (k, ph) => {
    const big = k < count;
    const j = big ? k : k - count;
    const gid = big ? ctx.groupId : smallId;
    const member = big ? ids[(Math.floor(j / 2) * 97) % ids.length] : small[Math.floor(j / 2) % small.length];
    const body = j % 2 === 0
      ? patchBody([{ op: 'remove', path: `members[value eq "${member}"]` }])
      : patchBody([{ op: 'add', path: 'members', value: [{ value: member }] }]);
    ph.record(big ? `±1 member, group of ${ids.length}` : '±1 member, group of 10', await ctx.client.request('PATCH', `/Groups/${gid}`, body), [200, 204]);
  });
  const ops = Object.values(r.ops);
  if (ops.length === 2 && ops[1].p50) r.extra.bigOverSmallP50 = Math.round((ops[0].p50 / ops[1].p50) * 10) / 10;
  return r;
}

/**
 * The initial load as an IdP that uses Bulk (RFC 7644 §3.7) sends it: --bulk-size creates per
 * request, --bulk-concurrency requests in flight. Fills ctx.ids from each operation's location,
 * like sync, so that every later phase works after either.
 */
export async function bulkLoad(ctx) {
  const size = ctx.opt.bulkSize;
  const batches = Math.ceil(ctx.n / size);
  const dec = Array.from({ length: 10 }, () => new Recorder());
  const r = await ctx.run('bulk-load', batches, ctx.opt.bulkConcurrency, async (b, ph) => {
    const from = b * size, to = Math.min(ctx.n, from + size);
    const Operations = [];
    for (let i = from; i < to; i++) Operations.push({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: makeUser(i) });
    const res = await ctx.client.request('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations });
    dec[Math.min(9, Math.floor((b * 10) / batches))].add(res.ms);
    if (!ph.record(`Bulk of ${size} creates`, res, [200])) return;
    const ops = parseJson(res.text)?.Operations ?? [];
    let failed = 0;
    for (const o of ops) {
      const i = Number(String(o.bulkId ?? '').slice(1));
      const id = typeof o.location === 'string' ? o.location.split('/').pop() : null;
      if (String(o.status).startsWith('201') && id && Number.isInteger(i)) ctx.ids[i] = id;
      else failed++;
    }
    if (failed || ops.length !== to - from) ph.checkFail(`Bulk of ${size} creates`, `batch ${b}: ${failed} failed, ${ops.length} results for ${to - from} operations`);
  });
  r.extra = { peoplePerS: Math.round(ctx.ids.filter(Boolean).length / r.wallS), deciles: dec.map((d, k) => ({ decile: k + 1, p50: d.stats().p50 })) };
  return r;
}

/**
 * The whole list through RFC 9865 cursor paging, 100 a page, one page at a time (a cursor walk is
 * sequential by nature); checks every user is seen exactly once and keeps the cursor found 90% of
 * the way in, for deep-page.
 */
export async function cursorList(ctx) {
  const size = 100;
  const seen = new Set();
  const created = ctx.ids.filter(Boolean);
  const pages = Math.ceil(created.length / size) + 1;
  const dec = Array.from({ length: 10 }, () => new Recorder());
  let cursor = '', duplicates = 0, done = false, total = null;
  const r = await ctx.run('cursor-list', pages, 1, async (k, ph) => {
    if (done) return;
    const g = await ctx.client.request('GET', `/Users?cursor=${encodeURIComponent(cursor)}&count=${size}`);
    dec[Math.min(9, Math.floor((k * 10) / pages))].add(g.ms);
    if (!ph.record('cursor page of 100', g, [200])) {
      done = true;
      return;
    }
    const j = parseJson(g.text);
    total = j?.totalResults ?? total;
    for (const u of j?.Resources ?? []) {
      if (seen.has(u.id)) duplicates++;
      seen.add(u.id);
    }
    if (k === Math.floor(pages * 0.9)) ctx.deepCursor = cursor;
    if (!j?.nextCursor) done = true;
    else cursor = j.nextCursor;
  });
  const missing = r.truncated ? null : created.filter((id) => !seen.has(id)).length;
  r.extra = { totalResults: total, created: created.length, uniqueIds: seen.size, duplicates, missing, deciles: dec.map((d, k) => ({ decile: k + 1, p50: d.stats().p50 })) };
  if (duplicates || missing) {
    r.errors.check++;
    r.errorCount++;
    r.errorSamples.push(`cursor-list: duplicates ${duplicates}, missing ${missing}`);
  }
  return r;
}

/**
 * A page 90% of the way into the list, one request at a time: by the cursor cursor-list kept,
 * and by startIndex at the same depth (OFFSET skips every index entry before it). All the cursor
 * pages come first: alternated, each OFFSET read (900,000 entries at a million) pushed the cursor
 * page's blocks out of PostgreSQL's shared buffers, and the cursor page measured the eviction.
 */
export async function deepPage(ctx) {
  const created = ctx.ids.filter(Boolean).length;
  const startIndex = Math.max(1, Math.floor(created * 0.9) - 99);
  const count = 100;
  if (ctx.deepCursor === undefined) throw new Error('deep-page needs cursor-list first (it keeps the cursor 90% of the way in)');
  return ctx.run('deep-page', 2 * count, 1, async (k, ph) => {
    if (k < count) {
      const g = await ctx.client.request('GET', `/Users?cursor=${encodeURIComponent(ctx.deepCursor)}&count=100`);
      if (ph.record('cursor page 90% deep', g, [200]) && parseJson(g.text)?.Resources?.length !== 100) ph.checkFail('cursor page 90% deep', 'not 100 resources');
    } else {
      const g = await ctx.client.request('GET', `/Users?startIndex=${startIndex}&count=100`);
      if (ph.record('startIndex page 90% deep', g, [200]) && parseJson(g.text)?.Resources?.length !== 100) ph.checkFail('startIndex page 90% deep', 'not 100 resources');
    }
  });
}

export const PHASES = {
  sync, 'bulk-load': bulkLoad, lookup, patch, deactivate, list, 'cursor-list': cursorList, 'deep-page': deepPage, verify, probe,
  'group-fill': groupFill, 'group-delta': groupDelta,
};
