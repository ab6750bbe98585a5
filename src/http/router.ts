/**
 * The app's router: Hono's own routers, one per first path segment (`scim`, `api`, `v`, ...).
 *
 * Hono's default router (SmartRouter) compiles every route into one regular expression when it
 * can (RegExpRouter), and otherwise walks a trie of them (TrieRouter). The admin API's routes are
 * beyond the regular expression (`/lists/:listId/people/export` beside `/lists/:listId/people/:personId`),
 * so the whole app fell back to the trie, and matching a SCIM request against 145 routes took 12–16 %
 * of a lookup's CPU over HTTP (bench/RESULTS.md, "A lookup's router and reads"). Routes whose first
 * segment is a fixed word are kept apart by it; a route whose first segment may be anything (`*`,
 * `/:param`) goes into every part, in the order it was added, so each part answers exactly what the
 * one router would have: the same handlers, in the same order, with the same parameters. The SCIM
 * part then holds a handful of routes, and RegExpRouter matches them in one expression.
 */
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

type Route<T> = readonly [method: string, path: string, handler: T];

/** A first segment that is only a word: `scim`, `api`, `healthz`. Anything else (`*`, `:id`, `{...}`) may match any segment. */
const FIXED = /^[A-Za-z0-9._~-]*$/;

/** The first segment of a path (`/scim/v2/...` → `scim`; `/` → ``). */
function firstSegment(path: string): string {
  const start = path.startsWith('/') ? 1 : 0;
  const end = path.indexOf('/', start);
  return end === -1 ? path.slice(start) : path.slice(start, end);
}

const smartRouter = <T>(): Router<T> => new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });

export class FirstSegmentRouter<T> implements Router<T> {
  name = 'FirstSegmentRouter';
  private readonly parts = new Map<string, Router<T>>();
  /** Routes whose first segment may be anything: added to every part, and the part for any other first segment. */
  private readonly anywhere: Route<T>[] = [];
  private readonly rest: Router<T> = smartRouter<T>();

  add(method: string, path: string, handler: T): void {
    const first = firstSegment(path);
    if (!FIXED.test(first)) {
      this.anywhere.push([method, path, handler]);
      for (const part of this.parts.values()) part.add(method, path, handler);
      this.rest.add(method, path, handler);
      return;
    }
    let part = this.parts.get(first);
    if (!part) {
      part = smartRouter<T>();
      // What was added before, for any first segment, comes first, as in one router.
      for (const [m, p, h] of this.anywhere) part.add(m, p, h);
      this.parts.set(first, part);
    }
    part.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    return (this.parts.get(firstSegment(path)) ?? this.rest).match(method, path);
  }
}
