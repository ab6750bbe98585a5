/** Keeps docs/errors.md and docs/configuration.md in step with the code (CONVENTIONS habit 2 and 3). */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..');
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}
const code = sources(path.join(root, 'src')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');

describe('documentation matches the code', () => {
  it('every stable error code is in docs/errors.md, and every documented code exists', () => {
    const used = new Set([...code.matchAll(/(?:Error\(|code = )'(MUSTER_[A-Z_]+)'/g)].map((m) => m[1]!));
    const doc = fs.readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `(MUSTER_[A-Z_]+)`/gm)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].sort()).toEqual([...documented].sort());
  });

  it('every environment variable config.ts reads is in docs/configuration.md', () => {
    const config = fs.readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');
    const read = new Set([...config.matchAll(/env(?:\.|, ')([A-Z][A-Z_]+)/g)].map((m) => m[1]!));
    const doc = fs.readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
    expect(read.size).toBeGreaterThan(5);
    for (const v of read) expect(doc, v).toContain(`\`${v}\``);
  });

  it('the OpenAPI document describes every admin route, and no route that does not exist', async () => {
    const routes = fs.readFileSync(path.join(root, 'src', 'http', 'admin-routes.ts'), 'utf8');
    const auth = fs.readFileSync(path.join(root, 'src', 'http', 'auth-routes.ts'), 'utf8');
    const credentialRoutes = fs.readFileSync(path.join(root, 'src', 'http', 'credential-routes.ts'), 'utf8');
    const emailRoutes = fs.readFileSync(path.join(root, 'src', 'http', 'email-routes.ts'), 'utf8');
    const webhookRoutes = fs.readFileSync(path.join(root, 'src', 'http', 'webhook-routes.ts'), 'utf8');
    const defined = [
      ...[...emailRoutes.matchAll(/api\.(get|post|put|patch|delete)\('([^']+)'/g)].map((m) => [m[1], m[2]!] as const),
      ...[...webhookRoutes.matchAll(/api\.(get|post|put|patch|delete)\('([^']+)'/g)].map((m) => [m[1], m[2]!] as const),
      ...[...credentialRoutes.matchAll(/api\.(get|post|put|patch|delete)\('([^']+)'/g)].map((m) => [m[1], m[2]!] as const),
      ...[...routes.matchAll(/api\.(get|post|put|patch|delete)\('([^']+)'/g)].map((m) => [m[1], m[2]!] as const),
      ...[...auth.matchAll(/r\.(get|post|put|patch|delete)\('([^']+)'/g)].map((m) => [m[1], `/auth${m[2]!}`] as const),
    ].map(([m, p]) => `${m} ${p.replace(/:(\w+)/g, '{$1}')}`).filter((p) => p !== 'get /openapi.json');
    const { OPENAPI } = await import('../src/http/openapi.js');
    const described = Object.entries(OPENAPI.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(defined.length).toBeGreaterThan(10);
    expect(described.sort()).toEqual([...defined].sort());
  });

  it('no module other than config.ts reads process.env', () => {
    const offenders = sources(path.join(root, 'src'))
      .filter((f) => !f.endsWith(`${path.sep}config.ts`) && !f.endsWith(`cli${path.sep}main.ts`))
      .filter((f) => /process\.env/.test(fs.readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
