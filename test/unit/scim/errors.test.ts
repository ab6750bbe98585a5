/**
 * ScimError: an answer to the client, so it carries no stack trace (capturing one cost every
 * refused request's CPU), and making one leaves other errors' stack traces as they were.
 */
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/scim/errors.js';

describe('ScimError', () => {
  it('has its message and no stack frames, and leaves Error.stackTraceLimit as it was', () => {
    const before = Error.stackTraceLimit;
    const e = new ScimError(401, undefined, 'the bearer token is not valid for this list');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('the bearer token is not valid for this list');
    expect(e.stack ?? '').not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('other').stack).toMatch(/\n\s+at /);
  });

  it('leaves Error.stackTraceLimit as it was when it refuses its arguments', () => {
    const before = Error.stackTraceLimit;
    expect(() => new ScimError(200, undefined, 'not an error')).toThrow(TypeError);
    expect(() => new ScimError(404, 'uniqueness', 'wrong type')).toThrow(TypeError);
    expect(Error.stackTraceLimit).toBe(before);
  });
});
