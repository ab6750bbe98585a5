import { describe, expect, it } from 'vitest';
import { redact, redactBody } from '../../../src/audit/request-log.js';

describe('redact', () => {
  it('replaces secrets at any depth, in objects and arrays', () => {
    const body = {
      userName: 'bjensen',
      password: 'hunter2',
      nested: { deeper: [{ Password: 'p1', keep: 'x' }, { client_secret: 's', access_token: 'a', refresh_token: 'r', token: 't' }] },
      headers: { Authorization: 'Bearer abc', 'content-type': 'application/scim+json' },
      secret: { even: 'objects' },
    };
    expect(redact(body)).toEqual({
      userName: 'bjensen',
      password: '[redacted]',
      nested: { deeper: [{ Password: '[redacted]', keep: 'x' }, { client_secret: '[redacted]', access_token: '[redacted]', refresh_token: '[redacted]', token: '[redacted]' }] },
      headers: { Authorization: '[redacted]', 'content-type': 'application/scim+json' },
      secret: '[redacted]',
    });
  });

  it('redacts a password in a path-less PATCH value (Okta)', () => {
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { password: 'hunter2', active: true } }] };
    expect(redact(patch)).toEqual({ ...patch, Operations: [{ op: 'replace', value: { password: '[redacted]', active: true } }] });
  });

  it('keeps keys that only contain a secret word', () => {
    expect(redact({ passwordChanged: true, tokenLabel: 'x' })).toEqual({ passwordChanged: true, tokenLabel: 'x' });
  });

  it('leaves scalars alone and does not modify its input', () => {
    expect(redact('password')).toBe('password');
    expect(redact(42)).toBe(42);
    expect(redact(null)).toBeNull();
    const input = { password: 'x' };
    redact(input);
    expect(input).toEqual({ password: 'x' });
  });
});

describe('redactBody', () => {
  it('nothing is null', () => {
    expect(redactBody(undefined)).toBeNull();
    expect(redactBody(null)).toBeNull();
    expect(redactBody('')).toBeNull();
  });

  it('an object body is redacted JSON', () => {
    expect(redactBody({ userName: 'b', password: 'hunter2' })).toBe('{"userName":"b","password":"[redacted]"}');
  });

  it('a JSON string body is parsed, redacted at any depth and re-serialised', () => {
    const text = JSON.stringify({ Operations: [{ op: 'add', value: { nested: { password: 'hunter2' } } }] });
    const out = redactBody(text);
    expect(out).not.toContain('hunter2');
    expect(JSON.parse(out ?? '')).toEqual({ Operations: [{ op: 'add', value: { nested: { password: '[redacted]' } } }] });
  });

  it('a non-JSON body is kept as text, quoted secrets redacted', () => {
    expect(redactBody('hello, world')).toBe('hello, world');
    const broken = '{"userName": "b", "password": "hunter2", "token":"t0k", ';
    const out = redactBody(broken);
    expect(out).toBe('{"userName": "b", "password": "[redacted]", "token":"[redacted]", ');
    expect(out).not.toContain('hunter2');
  });

  it('a body over 64 KiB is truncated with a marker giving the full length', () => {
    const big = 'x'.repeat(70_000);
    const out = redactBody(big);
    expect(out).toBe(`${'x'.repeat(65_536)}… [truncated, 70000 characters]`);
  });

  it('a JSON body over 64 KiB is redacted before it is truncated', () => {
    const body = { password: 'hunter2', filler: 'y'.repeat(70_000) };
    const out = redactBody(body) ?? '';
    expect(out.startsWith('{"password":"[redacted]","filler":"yyy')).toBe(true);
    expect(out).toMatch(/… \[truncated, \d+ characters\]$/);
    expect(out.length).toBeLessThan(65_536 + 40);
  });

  it('a body of exactly 64 KiB is kept whole', () => {
    const exact = 'z'.repeat(65_536);
    expect(redactBody(exact)).toBe(exact);
  });
});

describe('secrets in PATCH paths and non-JSON bodies', () => {
  it('a PATCH that sets the password by path has its value redacted (RFC 7644 §3.5.2)', () => {
    const patch = { Operations: [{ op: 'replace', path: 'password', value: 'hunter2' }] };
    expect(JSON.stringify(redact(patch))).not.toContain('hunter2');
    expect(redactBody(JSON.stringify(patch))).not.toContain('hunter2');
  });

  it('a form-encoded (non-JSON) body has its unquoted password redacted', () => {
    const out = redactBody('grant_type=password&username=b&password=hunter2&client_secret=s3cr3t');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('s3cr3t');
  });
});

describe('deep bodies (issue 12, defect 6)', () => {
  it('redaction is bounded: past 32 levels a value is replaced by a marker, never walked', () => {
    let deep: unknown = { password: 'hunter2' };
    for (let i = 0; i < 5_000; i++) deep = { x: deep };
    const out = JSON.stringify(redact(deep));
    expect(out).toContain('[not logged: nested too deep]');
    expect(out).not.toContain('hunter2');
  });

  it('a body too deep to parse is kept as text, secrets redacted, without overflowing', () => {
    const text = `${'['.repeat(100_000)}{"password":"hunter2"}${']'.repeat(100_000)}`;
    const out = redactBody(text) ?? '';
    expect(out).not.toContain('hunter2');
    expect(out).toMatch(/truncated, \d+ characters/);
  });
});
