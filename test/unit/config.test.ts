import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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

  it('reads where single sign-on providers and webhooks may be: public addresses only by default, each with its own variables', () => {
    const c = loadConfig({});
    expect(c.oidcAddresses).toEqual({ allowPrivate: false, allowedCidrs: [] });
    expect(c.webhooks).toMatchObject({ allowPrivate: false, allowedCidrs: [] });
    const site = loadConfig({ MUSTER_OIDC_ALLOWED_CIDRS: '10.20.0.0/16, fd00:1::/64', MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    expect(site.oidcAddresses).toEqual({ allowPrivate: false, allowedCidrs: ['10.20.0.0/16', 'fd00:1::/64'] });
    expect(site.webhooks).toMatchObject({ allowPrivate: true, allowedCidrs: [] });
    expect(loadConfig({ MUSTER_OIDC_ALLOW_PRIVATE: '1' }).oidcAddresses.allowPrivate).toBe(true);
    expect(() => loadConfig({ MUSTER_OIDC_ALLOWED_CIDRS: '10.20.0.0' })).toThrow(/MUSTER_OIDC_ALLOWED_CIDRS must be ranges such as 10.20.0.0\/16/);
    expect(() => loadConfig({ MUSTER_OIDC_ALLOW_PRIVATE: 'yes' })).toThrow(/MUSTER_OIDC_ALLOW_PRIVATE must be true or false/);
  });

  it('reads MUSTER_SMTP_MAX_PER_SECOND: 50 a second by default, 0 for no limit, and refuses what is not a whole number', () => {
    const env = { MUSTER_SMTP_URL: 'smtps://mail.example.com', MUSTER_SMTP_FROM: 'id@school.example' };
    expect(loadConfig(env).smtp?.maxPerSecond).toBe(50);
    expect(loadConfig({ ...env, MUSTER_SMTP_MAX_PER_SECOND: '0' }).smtp?.maxPerSecond).toBe(0);
    expect(loadConfig({ ...env, MUSTER_SMTP_MAX_PER_SECOND: '14' }).smtp?.maxPerSecond).toBe(14);
    expect(() => loadConfig({ ...env, MUSTER_SMTP_MAX_PER_SECOND: 'fast' })).toThrow(/MUSTER_SMTP_MAX_PER_SECOND/);
    expect(() => loadConfig({ ...env, MUSTER_SMTP_MAX_PER_SECOND: '-1' })).toThrow(/MUSTER_SMTP_MAX_PER_SECOND/);
  });

  it('reads MUSTER_SMTP_URL: STARTTLS required by default, smtps on 465, a percent-encoded password, and refuses a password without TLS to another machine', () => {
    const c = loadConfig({ MUSTER_SMTP_URL: 'smtp://apikey:s3cr%40t%2F1@smtp.example.net', MUSTER_SMTP_FROM: 'ID office <id@school.example>' });
    expect(c.smtp).toMatchObject({ host: 'smtp.example.net', port: 587, tls: 'starttls', user: 'apikey', password: 's3cr@t/1', fromAddress: 'id@school.example', fromName: 'ID office' });
    expect(loadConfig({ MUSTER_SMTP_URL: 'smtps://mail.example.com', MUSTER_SMTP_FROM: 'id@school.example' }).smtp).toMatchObject({ port: 465, tls: 'implicit', user: undefined, fromName: undefined });
    expect(loadConfig({ MUSTER_SMTP_URL: 'smtp://u:p@localhost:25?tls=none', MUSTER_SMTP_FROM: 'id@school.example' }).smtp).toMatchObject({ tls: 'none', port: 25 });
    expect(loadConfig({}).smtp).toBeUndefined();
    let err: unknown;
    try {
      loadConfig({ MUSTER_SMTP_URL: 'smtp://u:p@mail.example.com?tls=optional&pool=1', MUSTER_SMTP_FROM: 'not an address', MUSTER_SECRET_KEY_PREVIOUS: Buffer.alloc(32, 1).toString('base64') });
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/unknown options: pool/);
    expect(problems).toMatch(/without requiring TLS to a server on another machine/);
    expect(problems).toMatch(/MUSTER_SMTP_FROM must be an address/);
    expect(problems).toMatch(/MUSTER_SECRET_KEY_PREVIOUS needs MUSTER_SECRET_KEY/);
    expect(() => loadConfig({ MUSTER_SMTP_URL: 'http://mail.example.com', MUSTER_SMTP_FROM: 'a@b.example' })).toThrow(/must start with smtp:\/\//);
  });
});
