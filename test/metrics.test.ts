/**
 * GET /metrics (issue 17, item 2): the Prometheus text format, on the main port only behind
 * MUSTER_METRICS_TOKEN, or on a listener of its own; requests counted by route template (never a
 * raw path or an id), status and IdP; SCIM operations, audit events, the job queue, the pool; and
 * every metric name the Grafana dashboard (docs/grafana-dashboard.json) uses exists.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { listenMetrics } from '../src/main.js';
import { call, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

const TOKEN = 'metrics-token-for-tests-0123456789';
let server: TestServer;
let list: TestList;

beforeAll(async () => {
  server = await startServer({ MUSTER_METRICS_TOKEN: TOKEN });
  list = await server.newList({ tokenLabel: 'Okta production' });
});
afterAll(() => server.close());

async function scrape(): Promise<string> {
  const r = await call(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text;
}

/** The value of one sample, by its exact series text (name{labels} in the order prom-client prints them). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

/** Every metric family /metrics declares (its # TYPE lines), with its type. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

describe('metrics configuration', () => {
  it('reads MUSTER_METRICS_LISTEN as host:port, [v6]:port or a port on loopback, and refuses the rest and a short token', () => {
    expect(loadConfig({ MUSTER_METRICS_LISTEN: '127.0.0.1:9464' }).metricsListen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ MUSTER_METRICS_LISTEN: '9464' }).metricsListen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ MUSTER_METRICS_LISTEN: '[::1]:9464' }).metricsListen).toEqual({ host: '::1', port: 9464 });
    expect(loadConfig({}).metricsListen).toBeUndefined();
    expect(loadConfig({}).metricsToken).toBeUndefined();
    for (const bad of ['http://x:1', 'host:99999', 'host:', ':']) expect(() => loadConfig({ MUSTER_METRICS_LISTEN: bad }), bad).toThrow(ConfigError);
    expect(() => loadConfig({ MUSTER_METRICS_TOKEN: 'short' })).toThrow(/MUSTER_METRICS_TOKEN/);
    expect(loadConfig({ MUSTER_SHUTDOWN_GRACE_SECONDS: '5' }).shutdownGraceMs).toBe(5000);
    expect(() => loadConfig({ MUSTER_SHUTDOWN_GRACE_SECONDS: '-1' })).toThrow(/MUSTER_SHUTDOWN_GRACE_SECONDS/);
  });
});

describe('GET /metrics', () => {
  it('answers only to the metrics token on the main port', async () => {
    expect((await call(`${server.origin}/metrics`, {})).status).toBe(401);
    expect((await call(`${server.origin}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    // A list's SCIM token is not the metrics token.
    expect((await call(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${list.token}` } })).status).toBe(401);
    await scrape();
  });

  it('is off (404) on the main port without MUSTER_METRICS_TOKEN, and served alone, without a token, on a listener of its own', async () => {
    const other = await startServer();
    try {
      const r = await call(`${other.origin}/metrics`, {});
      expect(r.status).toBe(404);
      expect(r.body.detail).toMatch(/MUSTER_METRICS_TOKEN/);
      const own = await listenMetrics(other.muster.metrics, 0, '127.0.0.1');
      try {
        const origin = `http://127.0.0.1:${(own.server.address() as AddressInfo).port}`;
        const m = await call(`${origin}/metrics`, {});
        expect(m.status).toBe(200);
        expect(m.text).toContain('# TYPE muster_http_requests_total counter');
        expect((await call(`${origin}/healthz`, {})).status).toBe(404);
        expect((await call(`${origin}/scim/v2/lists/x/Users`, {})).status).toBe(404);
      } finally {
        await new Promise<void>((resolve) => own.server.close(() => resolve()));
      }
    } finally {
      await other.close();
    }
  });

  it('counts requests by route template, status and IdP, never by raw path, and SCIM operations by kind', async () => {
    const before = await scrape();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await list.req('POST', '/Users', user(`m${i}@example.com`), { 'user-agent': 'Okta SCIM Client 1.0.0' });
      expect(r.status).toBe(201);
      created.push(r.body.id);
    }
    for (const id of created) expect((await list.req('GET', `/Users/${id}`, undefined, { 'user-agent': 'Okta SCIM Client 1.0.0' })).status).toBe(200);
    expect((await list.req('PATCH', `/Users/${created[0]}`, patch({ op: 'replace', path: 'title', value: 'Engineer' }), { 'user-agent': 'Okta SCIM Client 1.0.0' })).status).toBe(200);
    // Ids nobody has: one time series, not one per id.
    for (let i = 0; i < 5; i++) expect((await list.req('GET', `/Users/no-such-${i}`, undefined, { 'user-agent': 'Okta SCIM Client 1.0.0' })).status).toBe(404);
    expect((await call(`${server.origin}/api/v1/lists/${list.id}/people`, {})).status).toBe(401);
    expect((await call(`${server.origin}/healthz`, {})).status).toBe(200);
    // Paths no route serves: one series, whatever the path.
    for (const p of ['/no-such-page', '/nothing/here', '/assets/missing.js']) expect((await call(`${server.origin}${p}`, { method: 'POST' })).status).toBe(404);
    // A file the web app does not have: its catch-all answers 404.
    expect((await call(`${server.origin}/assets/missing.js`, {})).status).toBe(404);
    const after = await scrape();

    const route = '/scim/v2/lists/:listId/Users';
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta(`muster_http_requests_total{method="POST",route="${route}",status="201",idp="Okta"}`)).toBe(5);
    expect(delta(`muster_http_requests_total{method="GET",route="${route}/:id",status="200",idp="Okta"}`)).toBe(5);
    expect(delta(`muster_http_requests_total{method="GET",route="${route}/:id",status="404",idp="Okta"}`)).toBe(5);
    expect(delta(`muster_http_requests_total{method="GET",route="/healthz",status="200",idp="none"}`)).toBe(1);
    expect(delta('muster_http_requests_total{method="POST",route="unmatched",status="404",idp="none"}')).toBe(3);
    expect(delta('muster_http_requests_total{method="GET",route="unmatched",status="404",idp="none"}')).toBe(1);
    expect(delta(`muster_scim_operations_total{resource="User",operation="create",outcome="success"}`)).toBe(5);
    expect(delta(`muster_scim_operations_total{resource="User",operation="patch",outcome="success"}`)).toBe(1);
    expect(delta(`muster_scim_operations_total{resource="User",operation="get",outcome="client_error"}`)).toBe(5);
    expect(delta(`muster_http_request_duration_seconds_count{method="POST",route="${route}",status_class="2xx"}`)).toBe(5);
    expect(delta('muster_audit_events_total{action="person.created"}')).toBe(5);
    // No id, list id or raw path reached a label.
    for (const id of [...created, list.id, 'no-such-0', 'no-such-page', 'missing.js']) expect(after).not.toContain(id);
    for (const line of after.split('\n').filter((l) => l.startsWith('muster_http_requests_total{'))) {
      expect(line).toMatch(/route="(\/scim\/v2\/lists\/:listId[A-Za-z/:.]*|\/api\/v1[A-Za-z/:*]*|\/healthz|\/metrics|unmatched|\/\*)"/);
    }
  });

  it('reads the job queue and the connection pool at scrape time, and exports the process and event-loop metrics', async () => {
    // A job no node will claim yet (a retry's backoff), so that it stays queued while we look.
    await server.muster.store.db.insertInto('jobs').values({
      id: randomUUID(), list_id: list.id, kind: 'metrics_test_kind', status: 'queued', params: '{}', total: 0, done: 0, cursor: 0, attempts: 0,
      created_at: new Date(Date.now() - 60_000).toISOString(), locked_until: new Date(Date.now() + 3_600_000).toISOString(),
    }).execute();
    const text = await scrape();
    expect(sample(text, 'muster_job_queue_depth{kind="metrics_test_kind",state="queued"}')).toBe(1);
    expect(sample(text, 'muster_job_queue_oldest_age_seconds{kind="metrics_test_kind"}')).toBeGreaterThanOrEqual(59);
    expect(sample(text, 'muster_db_pool_connections{state="max"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'muster_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    const f = families(text);
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'muster_email_deliveries_total', 'muster_wallet_pushes_total', 'muster_entra_run_duration_seconds']) {
      expect(f.has(name), name).toBe(true);
    }
  });

  it('declares every metric the Grafana dashboard uses', async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const f = families(await scrape());
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:muster|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) {
      // A histogram is declared once and sampled as _bucket, _sum and _count.
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const declared = f.has(name) || (f.get(base) === 'histogram' && base !== name);
      expect(declared, `${name} is used by the dashboard but /metrics does not declare it`).toBe(true);
    }
  });
});
