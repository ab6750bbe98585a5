import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('reports every problem at once, the secret key and set-up token among them, at start rather than at first use', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', MUSTER_SECRET_KEY: 'dG9vIHNob3J0', MUSTER_SETUP_TOKEN: 'short', MUSTER_SIGN_IN_LIMIT: '-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT must be an integer/);
    expect(problems).toMatch(/MUSTER_SECRET_KEY must be 32 random bytes in base64/);
    expect(problems).toMatch(/MUSTER_SETUP_TOKEN must be at least 16 characters/);
    expect(problems).toMatch(/MUSTER_SIGN_IN_LIMIT must be an integer/);
  });

  it('accepts a real key and the defaults, frozen', () => {
    const c = loadConfig({ MUSTER_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(c.secretKey).toBeDefined();
    expect([c.signInPerMinute, c.publicRatePerSecond, c.verificationLogRetentionDays, c.setupToken]).toEqual([20, 10, 90, undefined]);
    expect(Object.isFrozen(c)).toBe(true);
  });
});
