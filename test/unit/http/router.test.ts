/**
 * FirstSegmentRouter (src/http/router.ts) answers exactly what Hono's own router answers for the
 * same routes: the same handlers, in the same order, with the same parameters, whatever the
 * routes' first segments (fixed words, parameters, wildcards) and the order they were added in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { FirstSegmentRouter } from '../../../src/http/router.js';

/** A match as handlers and their parameters, whichever of Hono's two result shapes the router gave. */
function matched(r: Result<string>): [string, Record<string, string>][] {
  if (r[1]) {
    const stash = r[1];
    return (r[0] as [string, Record<string, number>][]).map(([h, index]) => [h, Object.fromEntries(Object.entries(index).map(([k, i]) => [k, stash[i]!]))]);
  }
  return (r[0] as [string, Record<string, string>][]).map(([h, params]) => [h, { ...params }]);
}

const honoDefault = (): Router<string> => new SmartRouter<string>({ routers: [new RegExpRouter<string>(), new TrieRouter<string>()] });

const WORDS = ['scim', 'api', 'v', 'lists', 'users'];
const segment = fc.oneof(fc.constantFrom(...WORDS), fc.constant(':p'));
/** A route: fixed words and parameters, perhaps ending in `*`, or `*` alone (app.use('*')). */
const route = fc.record({
  method: fc.constantFrom('GET', 'POST', 'ALL'),
  path: fc.oneof(
    fc.constant('*'),
    fc.tuple(fc.array(segment, { minLength: 0, maxLength: 4 }), fc.boolean()).map(([segs, wild]) => {
      // Parameter names are unique within a route, as Hono requires.
      const named = segs.map((s, i) => (s === ':p' ? `:p${i}` : s));
      return '/' + [...named, ...(wild ? ['*'] : [])].join('/');
    }),
  ),
});
const path = fc.tuple(fc.array(fc.constantFrom(...WORDS, 'x1', 'abc-def', ''), { minLength: 0, maxLength: 5 }), fc.boolean())
  .map(([segs, slash]) => '/' + segs.join('/') + (slash ? '/' : ''));

describe('FirstSegmentRouter', () => {
  it('matches as Hono\'s own router does, for any routes added in any order', () => {
    fc.assert(fc.property(fc.array(route, { minLength: 1, maxLength: 12 }), fc.array(path, { minLength: 1, maxLength: 8 }), fc.constantFrom('GET', 'POST'), (routes, paths, method) => {
      // Against Hono's default router and against its trie alone (what the whole app fell back to).
      const ours = new FirstSegmentRouter<string>();
      const theirs = honoDefault();
      const trie = new TrieRouter<string>();
      routes.forEach((r, i) => {
        for (const router of [ours, theirs, trie]) router.add(r.method, r.path, `h${i} ${r.method} ${r.path}`);
      });
      for (const p of paths) {
        const answer = matched(ours.match(method, p));
        expect(answer, `${method} ${p}`).toEqual(matched(theirs.match(method, p)));
        expect(answer, `${method} ${p} (trie)`).toEqual(matched(trie.match(method, p)));
      }
    }), { numRuns: 300 });
  });

  it('keeps the SCIM routes apart from the admin API\'s, which Hono\'s regular-expression router cannot take', () => {
    const r = new FirstSegmentRouter<string>();
    r.add('ALL', '*', 'first middleware');
    r.add('ALL', '/scim/v2/lists/:listId/*', 'scim');
    r.add('GET', '/api/v1/lists/:listId/people/export', 'export');
    r.add('GET', '/api/v1/lists/:listId/people/:personId', 'person');
    r.add('GET', '/api/v1/lists/:id/tokens', 'tokens');
    r.add('GET', '*', 'web app');
    expect(matched(r.match('GET', '/scim/v2/lists/L1/Users/U1'))).toEqual([['first middleware', {}], ['scim', { listId: 'L1' }], ['web app', {}]]);
    expect(matched(r.match('GET', '/api/v1/lists/L1/people/export')).map(([h]) => h)).toEqual(['first middleware', 'export', 'person', 'web app']);
    expect(matched(r.match('GET', '/elsewhere'))).toEqual([['first middleware', {}], ['web app', {}]]);
  });

  it('answers what Hono\'s trie answers for every route of the app itself', async () => {
    const { startServer } = await import('../../helpers/server.js');
    const srv = await startServer();
    try {
      const routes = srv.muster.app.routes;
      expect(routes.length).toBeGreaterThan(100);
      const ours = new FirstSegmentRouter<string>();
      const trie = new TrieRouter<string>();
      routes.forEach((r, i) => {
        ours.add(r.method, r.path, `h${i} ${r.method} ${r.path}`);
        trie.add(r.method, r.path, `h${i} ${r.method} ${r.path}`);
      });
      // Every route's own path with its parameters filled in, and a few that are no route's.
      const paths = routes.map((r) => r.path.replace(/:[A-Za-z]+/g, 'x1').replace(/\/\*$/, '/a/b'));
      paths.push('/', '/scim/v2/lists/L1', '/scim/v2/lists/L1/', '/scim/v2/lists/L1/Users/U1', '/api/v1/nothing', '/v/CODE/', '/nowhere/at/all');
      for (const p of paths) {
        for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
          expect(matched(ours.match(method, p)), `${method} ${p}`).toEqual(matched(trie.match(method, p)));
        }
      }
    } finally {
      await srv.close();
    }
  });
});
