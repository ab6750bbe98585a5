/** Replays an IdP request sequence (test/fixtures/idp/*.json) against a list, checking each status. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { call } from './server.js';

export interface Step {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  expectStatus: number | number[];
  note?: string;
}

export const loadSteps = (name: string): Step[] =>
  JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'idp', `${name}.json`), 'utf8')) as Step[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replay results are arbitrary JSON
export async function replay(name: string, vars: Record<string, string>, base: string): Promise<{ status: number; step: Step; body: any }[]> {
  const results = [];
  const fill = (s: string) => s.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => {
    if (!(k in vars)) throw new Error(`step uses {{${k}}} before it is bound`);
    return vars[k]!;
  });
  for (const step of loadSteps(name)) {
    const url = base + fill(step.path).replace(/^\/scim\/v2/, '');
    const headers = Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k, fill(v)]));
    const body = step.body === undefined || step.body === null ? undefined : fill(JSON.stringify(step.body));
    const r = await call(url, { method: step.method, headers, body });
    const expected = Array.isArray(step.expectStatus) ? step.expectStatus : [step.expectStatus];
    expect(expected, `${name}: ${step.method} ${step.path} -> ${r.status} ${r.text}\n${step.note ?? ''}`).toContain(r.status);
    if (r.status === 201 && /\/Users$/.test(step.path)) vars.userId = r.body.id;
    if (r.status === 201 && /\/Groups$/.test(step.path)) vars.groupId = r.body.id;
    results.push({ status: r.status, step, body: r.body });
  }
  return results;
}
