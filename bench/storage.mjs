#!/usr/bin/env node
/**
 * What a person costs on disk (issue 16, "say what it holds per person"): each table with its
 * indexes, in bytes per person, for a Muster database after a benchmark run (`bench.mjs --keep`).
 *
 *   node bench/storage.mjs /tmp/run/muster-bench-…/muster.sqlite [--markdown]
 *   node bench/storage.mjs postgres://user@host:port/db [--markdown]
 *
 * SQLite: the `dbstat` virtual table (every page of every b-tree: its size and the payload in it,
 * so page slack shows). PostgreSQL: `pg_relation_size` per table and index (TOAST with its table).
 * "People" is the number of rows in `users`. Reading the file is a full scan: a minute or two at
 * a million people.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values, positionals } = parseArgs({ options: { markdown: { type: 'boolean', default: false } }, allowPositionals: true });
const target = positionals[0];
if (!target) {
  console.error('usage: node bench/storage.mjs FILE.sqlite|postgres://… [--markdown]');
  process.exit(2);
}

/** Which part of Muster a table or index belongs to. */
const GROUPS = [
  ['people (users, e-mails, groups)', /^(users|user_emails|groups|group_members|list_counts)\b|^sqlite_autoindex_users|^users_|^user_emails_|^group/],
  ['audit trail', /^audit_|^sqlite_autoindex_audit/],
  ['request log', /^request_log/],
  ['outbox (events for webhooks and consumers)', /^outbox|^sqlite_autoindex_outbox|^webhook/],
];
const groupOf = (name) => GROUPS.find(([, re]) => re.test(name))?.[0] ?? 'other';

async function sqliteSizes(file) {
  const Database = require('better-sqlite3');
  const db = new Database(path.resolve(file), { readonly: true, fileMustExist: true });
  try {
    const people = db.prepare('SELECT count(*) AS n FROM users').get().n;
    const rows = db.prepare('SELECT name, sum(pgsize) AS bytes, sum(payload) AS payload FROM dbstat GROUP BY name').all();
    const tableOf = new Map(db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all().map((r) => [r.name, r.tbl_name]));
    const pageSize = db.pragma('page_size', { simple: true });
    return { people, pageSize, parts: rows.map((r) => ({ name: r.name, table: tableOf.get(r.name) ?? r.name, bytes: r.bytes, payload: r.payload })) };
  } finally {
    db.close();
  }
}

async function postgresSizes(url) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const people = Number((await client.query('SELECT count(*) AS n FROM users')).rows[0].n);
    const { rows } = await client.query(`
      SELECT c.relname AS name, COALESCE(t.relname, c.relname) AS table,
             pg_relation_size(c.oid) + CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')`);
    return { people, pageSize: 8192, parts: rows.map((r) => ({ name: r.name, table: r.table, bytes: Number(r.bytes), payload: null })) };
  } finally {
    await client.end();
  }
}

const s = target.startsWith('postgres') ? await postgresSizes(target) : await sqliteSizes(target);
const per = (b) => (s.people ? b / s.people : 0);
const fmt = (n) => Math.round(n).toLocaleString('en-GB');
const total = s.parts.reduce((a, p) => a + p.bytes, 0);
const byGroup = new Map();
for (const p of s.parts) {
  const g = groupOf(p.table);
  const e = byGroup.get(g) ?? { bytes: 0, payload: 0, parts: [] };
  e.bytes += p.bytes;
  e.payload += p.payload ?? 0;
  e.parts.push(p);
  byGroup.set(g, e);
}
const groups = [...byGroup].sort((a, b) => b[1].bytes - a[1].bytes);
const hasPayload = s.parts.some((p) => p.payload !== null);

if (values.markdown) {
  console.log(`${fmt(s.people)} people, ${(total / 1024 / 1024).toFixed(1)} MiB in tables and indexes (${s.pageSize}-byte pages): **${fmt(per(total))} bytes per person**.\n`);
  console.log(`| part | bytes per person | share |${hasPayload ? ' of which data |' : ''} largest tables and indexes (bytes per person) |`);
  console.log(`|---|---:|---:|${hasPayload ? '---:|' : ''}---|`);
  for (const [g, e] of groups) {
    const top = e.parts.sort((a, b) => b.bytes - a.bytes).slice(0, 4).map((p) => `${p.name} ${fmt(per(p.bytes))}`).join(', ');
    console.log(`| ${g} | ${fmt(per(e.bytes))} | ${((100 * e.bytes) / total).toFixed(0)} % |${hasPayload ? ` ${fmt(per(e.payload))} |` : ''} ${top} |`);
  }
} else {
  console.log(`${s.people} people, ${total} bytes (${s.pageSize}-byte pages), ${per(total).toFixed(0)} bytes per person`);
  for (const [g, e] of groups) {
    console.log(`\n${g}: ${per(e.bytes).toFixed(0)} bytes per person${hasPayload ? ` (data ${per(e.payload).toFixed(0)})` : ''}`);
    for (const p of e.parts.sort((a, b) => b.bytes - a.bytes)) {
      if (per(p.bytes) >= 1) console.log(`  ${p.name.padEnd(40)} ${per(p.bytes).toFixed(0).padStart(7)}${p.payload !== null ? `  data ${per(p.payload).toFixed(0)}` : ''}`);
    }
  }
}
