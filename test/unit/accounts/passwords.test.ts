import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from '../../../src/accounts/passwords.js';

describe('admin passwords', () => {
  it('hashes with scrypt, salted, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });

  it('treats Unicode compatibility forms alike (NFKC), so the same password typed on another keyboard works', async () => {
    const h = await hashPassword('ﬁve ﬁsh swimming');
    expect(await verifyPassword('five fish swimming', h)).toBe(true);
  });

  it('asks for length, not composition', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem(42)).toMatch(/required/);
    expect(passwordProblem('x'.repeat(300))).toMatch(/at most 256/);
    expect(passwordProblem('all lower case but long')).toBeUndefined();
  });
});
