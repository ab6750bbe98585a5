#!/usr/bin/env node
/**
 * One organisation's Bulk requests against another organisation's writes (bench/RESULTS.md, "Bulk
 * requests take turns by organisation"): ATTACKERS clients of list A send Bulk requests of 1,000
 * user creates back to back, while one client of list B PATCHes one person's title, one request at
 * a time, for SECONDS.
 *
 *   node bench/bulk-fairness.mjs A_BASE A_TOKEN B_BASE B_TOKEN [SECONDS=15] [ATTACKERS=4]
 *
 * Make A and B lists of two organisations (`muster lists create --name A --org A --json`).
 */
const [aBase, aTok, bBase, bTok, seconds = '15', attackers = '4'] = process.argv.slice(2);
const end = Date.now() + Number(seconds) * 1000;
let bulks = 0, n = 0, refused = 0;
const attacker = async (k) => {
  while (Date.now() < end) {
    const Operations = Array.from({ length: 1000 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `flood.${k}.${n++}.${Math.random().toString(36).slice(2)}@example.com`, name: { givenName: 'F', familyName: 'L' } } }));
    const r = await fetch(`${aBase}/Bulk`, { method: 'POST', headers: { authorization: `Bearer ${aTok}`, 'content-type': 'application/scim+json' }, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations }) });
    await r.arrayBuffer(); if (r.status === 429) refused++; else bulks++;
  }
};
const lat = [];
const victim = async () => {
  let i = 0;
  const h = { authorization: `Bearer ${bTok}`, 'content-type': 'application/scim+json' };
  const c = await fetch(`${bBase}/Users`, { method: 'POST', headers: h, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `victim.${Date.now()}@example.com` }) });
  const id = (await c.json()).id;
  while (Date.now() < end) {
    const t = performance.now();
    const r = await fetch(`${bBase}/Users/${id}`, { method: 'PATCH', headers: h, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `T${i++}` }] }) });
    await r.arrayBuffer(); lat.push(performance.now() - t);
  }
};
await Promise.all([victim(), ...Array.from({ length: Number(attackers) }, (_, k) => attacker(k))]);
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
console.log(JSON.stringify({ bulks, refused, patches: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1).toFixed(1) }));
