#!/usr/bin/env node
/**
 * One tenant's whole-list filters against everyone else's lookups (bench/RESULTS.md, "Filters that
 * read a whole list, and the scan thread"): one client looks people up by `userName eq`, one at a
 * time, while ATTACKERS clients send `title co "engin"` pages back to back, for SECONDS.
 *
 *   node bench/scan-fairness.mjs BASE_URL TOKEN [SECONDS=15] [ATTACKERS=4] [ATTACK]
 *
 * ATTACK is the attackers' query string after `/Users?` (default: the `title co` page above), e.g.
 * `startIndex=90001&count=10` for pages deep in the list.
 *
 * Point it at a list loaded by `bench.mjs --load bulk --keep` (its people are ada.lovelace.N@example.com).
 */
const [base, token, seconds = '15', attackers = '4', attack = `filter=${encodeURIComponent('title co "engin"')}&count=10`] = process.argv.slice(2);
const h = { authorization: `Bearer ${token}` };
const end = Date.now() + Number(seconds) * 1000;
let attacks = 0;
const attacker = async () => { while (Date.now() < end) { const r = await fetch(`${base}/Users?${attack}`, { headers: h }); await r.arrayBuffer(); attacks++; } };
const lat = [];
const victim = async () => { let i = 0; while (Date.now() < end) { const t = performance.now(); const r = await fetch(`${base}/Users?filter=${encodeURIComponent(`userName eq "ada.lovelace.${(i++ * 7919) % 100000}@example.com"`)}`, { headers: h }); await r.arrayBuffer(); lat.push(performance.now() - t); } };
await Promise.all([victim(), ...Array.from({ length: Number(attackers) }, attacker)]);
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
console.log(JSON.stringify({ attacks, lookups: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1).toFixed(1) }));
