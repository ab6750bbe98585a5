/**
 * Reads untrusted JSON field by field, collecting every problem instead of stopping at the
 * first, so the card editor can mark all of them at once. Each reader returns a usable value
 * (the default, or a harmless stand-in) so that checks further on still run.
 */
import { isObject } from '../scim/json.js';

/** One thing wrong with a template: where (`front.elements[2].fontSize`) and what, for a person. */
export interface TemplateProblem {
  readonly path: string;
  readonly message: string;
}

const COLOUR = /^#[0-9a-fA-F]{6}$/;

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

export class TemplateReader {
  readonly problems: TemplateProblem[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
    this.problem(path, value === undefined ? 'is required' : 'must be an object');
    return undefined;
  }

  /** Unknown properties are reported: a typo such as "fontsize" would otherwise be silently ignored. */
  onlyKeys(o: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) this.problem(join(path, key), `is not a known property here (expected one of ${allowed.join(', ')})`);
    }
  }

  string(o: Record<string, unknown>, key: string, path: string, opts: { max: number; fallback?: string }): string {
    const value = own(o, key);
    if (value === undefined && opts.fallback !== undefined) return opts.fallback;
    if (typeof value !== 'string') {
      this.problem(join(path, key), value === undefined ? 'is required' : 'must be a string');
      return opts.fallback ?? '';
    }
    if (value.length > opts.max) this.problem(join(path, key), `is ${value.length} characters long; at most ${opts.max} are allowed`);
    return value;
  }

  number(o: Record<string, unknown>, key: string, path: string, opts: { min: number; max: number; integer?: boolean; fallback?: number }): number {
    const value = own(o, key);
    const standIn = opts.fallback ?? (Number.isFinite(opts.min) ? opts.min : 0);
    if (value === undefined && opts.fallback !== undefined) return opts.fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(join(path, key), value === undefined ? 'is required' : 'must be a number');
      return standIn;
    }
    if (opts.integer && !Number.isInteger(value)) {
      this.problem(join(path, key), 'must be a whole number');
      return standIn;
    }
    if (value < opts.min || value > opts.max) {
      this.problem(join(path, key), `must be between ${opts.min} and ${opts.max}`);
      return standIn;
    }
    return value;
  }

  oneOf<T extends string>(o: Record<string, unknown>, key: string, path: string, choices: readonly T[], fallback: T): T {
    const value = own(o, key);
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    this.problem(join(path, key), `must be one of ${choices.join(', ')}`);
    return fallback;
  }

  /** `#rrggbb`; when nullable, null means "none" (no fill, no stroke). */
  colour(o: Record<string, unknown>, key: string, path: string, fallback: string | null, nullable = false): string | null {
    const value = own(o, key);
    if (value === undefined) return fallback;
    if (value === null && nullable) return null;
    if (typeof value === 'string' && COLOUR.test(value)) return value.toLowerCase();
    this.problem(join(path, key), `must be a colour like "#1a2b3c"${nullable ? ' or null' : ''}`);
    return fallback;
  }
}

/** A template's own property: a key the template does not hold is absent, never inherited from Object.prototype. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
