/**
 * The only reader of process.env. Reads once, validates everything, reports every problem at
 * once, and returns a frozen object that is passed down (CONVENTIONS: config is read once).
 * Every variable is documented in docs/configuration.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineOf } from './store/engine.js';
import { DEFAULT_SCAN_TIMEOUT_MS } from './store/scan-pool.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** `postgres://…` or a SQLite file path. */
  readonly databaseUrl: string;
  /** The public origin clients use to reach Muster, for SCIM `meta.location` and base URLs. */
  readonly publicUrl: string | undefined;
  /** Whether X-Forwarded-Proto and X-Forwarded-Host are believed: only behind a reverse proxy that sets them. */
  readonly trustProxy: boolean;
  /** How many proxies in front of Muster append to X-Forwarded-For (MUSTER_TRUST_PROXY: true is 1); 0: none is trusted. */
  readonly trustProxyHops: number;
  readonly maxBodyBytes: number;
  readonly maxPageSize: number;
  readonly bulkMaxOperations: number;
  /** MUSTER_GROUP_STREAM_FROM: members from which a group read is sent as it is read (ScimService.streamed). */
  readonly groupStreamFrom: number;
  /** MUSTER_SCAN_TIMEOUT_S, in ms: the deadline of one query that reads a whole list (store/scan-pool.ts). */
  readonly scanTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly demo: boolean;
  /** Whether the audit trail is written. Off only to measure its cost (bench/); never in production. */
  readonly audit: boolean;
  /** Days to keep audit events; 0 keeps them for ever. */
  readonly auditRetentionDays: number;
  readonly requestLog: 'all' | 'failed' | 'off';
  readonly requestLogRetentionDays: number;
  /** MUSTER_REQUEST_LOG_MAX_ENTRIES: the request log's size cap, the newest kept (0: no cap, age only). */
  readonly requestLogMaxEntries: number;
  /** Days to keep the log of credential verifications (QR scans). */
  readonly verificationLogRetentionDays: number;
  /** Days the outbox keeps domain events (GET /api/v1/events answers 410 for a cursor older than that). */
  readonly eventsRetentionDays: number;
  /** Requests per second per SCIM token (0: no throttling), and the burst allowed above it. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  /**
   * 32 bytes, base64: encrypts connection secrets (the Entra client secret, wallet keys) at rest.
   * Unset, the key lives in `<dataDir>/secret.key`, generated on first start (src/secrets/).
   */
  readonly secretKey: string | undefined;
  /** The key before MUSTER_SECRET_KEY, still accepted while `muster secrets rotate` re-encrypts. */
  readonly secretKeyPrevious: string | undefined;
  /** Where Muster keeps files of its own (the generated secret key): the SQLite file's directory, or ./data on PostgreSQL. */
  readonly dataDir: string;
  /** Entra connections may name other identity-platform and Graph URLs (an emulator, a proxy). */
  readonly entraCustomEndpoints: boolean;
  /** Where Apple Wallet pass updates are pushed: APNs production unless a fake or proxy is named. */
  readonly apnsUrl: string;
  /** A PEM file of extra CA certificates trusted for the APNs connection (a fake in tests, a proxy). */
  readonly apnsCaFile: string | undefined;
  /** Google Wallet settings may name other OAuth token and Wallet API URLs (a fake in tests, a proxy). */
  readonly googleWalletCustomEndpoints: boolean;
  /** OpenID Connect issuers may be plain http:// (a provider on loopback in tests or a lab); off, https only. */
  readonly oidcAllowHttp: boolean;
  /** Which addresses an organisation's OpenID Connect provider may be on (MUSTER_OIDC_ALLOW_PRIVATE, MUSTER_OIDC_ALLOWED_CIDRS). */
  readonly oidcAddresses: AddressSettings;
  /** When set, first-run set-up needs it (from any address); unset, set-up is open from localhost only. */
  readonly setupToken: string | undefined;
  /** Requests per second per client address to the public pages: /v (verification), /p (self-upload), /passkit (0: no limit). */
  readonly publicRatePerSecond: number;
  /** Sign-in and set-up attempts per minute per client address (0: no limit). */
  readonly signInPerMinute: number;
  /**
   * MUSTER_SHARED_LIMITS: where rate limits and sign-in throttling are counted. `auto` (default):
   * in the database on PostgreSQL (several nodes), in memory on SQLite (one process); `on`: in the
   * database on either (several processes on one SQLite file); `off`: in memory on each node.
   */
  readonly sharedLimits: 'auto' | 'on' | 'off';
  /** The SMTP server Muster sends email through (MUSTER_SMTP_URL), and its sender; undefined: no email. */
  readonly smtp: SmtpSettings | undefined;
  /** The installation's wallet credentials from files named in the environment (applied at every start). */
  readonly installationWallets: InstallationWalletFiles;
  /** The built admin web app; by default dist/web of this installation. */
  readonly webRoot: string;
  /** Webhooks (docs/webhooks.md): which addresses they may reach, and when a failing endpoint is paused. */
  readonly webhooks: WebhookSettings;
  /** GET /metrics on the main port answers to this bearer token; unset, not served there. */
  readonly metricsToken: string | undefined;
  /** Where a listener of its own serves GET /metrics without a token (e.g. 127.0.0.1:9464); unset, none. */
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  /** On SIGTERM: how long in-flight requests and running jobs get to finish before claims are handed back. */
  readonly shutdownGraceMs: number;
}

/** Which addresses Muster may connect to for something an admin or owner names (events/address-policy.ts). */
export interface AddressSettings {
  /** PREFIX_ALLOW_PRIVATE: every address, private and loopback included (tests, closed networks). */
  readonly allowPrivate: boolean;
  /** PREFIX_ALLOWED_CIDRS: special ranges allowed all the same (the site network's door controller, an on-premises provider). */
  readonly allowedCidrs: readonly string[];
}

export interface WebhookSettings extends AddressSettings {
  /** MUSTER_WEBHOOKS_PAUSE_AFTER_MINUTES: pause an endpoint whose every attempt failed this long (0: never). */
  readonly pauseAfterMinutes: number;
}

/**
 * Files holding the installation's own wallet credentials (issue 14, item 4): an operator who
 * keeps secrets in files (a mounted Kubernetes or Docker secret) sets them once here instead of
 * with `muster wallets` or the installation owner's screen. Paths only: the files are read at start.
 */
export interface InstallationWalletFiles {
  readonly apple?: { readonly certificateFile?: string; readonly keyFile?: string; readonly p12File?: string; readonly p12Password?: string; readonly wwdrFile: string };
  readonly google?: { readonly issuerId: string; readonly keyFile: string };
}

function walletFiles(env: NodeJS.ProcessEnv, problems: string[]): InstallationWalletFiles {
  const cert = env.MUSTER_APPLE_PASS_CERTIFICATE_FILE || undefined, key = env.MUSTER_APPLE_PASS_KEY_FILE || undefined;
  const p12 = env.MUSTER_APPLE_PASS_P12_FILE || undefined, wwdr = env.MUSTER_APPLE_WWDR_FILE || undefined;
  const p12Password = env.MUSTER_APPLE_PASS_P12_PASSWORD;
  let apple: InstallationWalletFiles['apple'];
  if (cert || key || p12 || wwdr) {
    if (p12 && (cert || key)) problems.push('set either MUSTER_APPLE_PASS_P12_FILE or MUSTER_APPLE_PASS_CERTIFICATE_FILE with MUSTER_APPLE_PASS_KEY_FILE, not both');
    else if (!p12 && !(cert && key)) problems.push('MUSTER_APPLE_PASS_CERTIFICATE_FILE and MUSTER_APPLE_PASS_KEY_FILE go together (or MUSTER_APPLE_PASS_P12_FILE alone), with MUSTER_APPLE_WWDR_FILE');
    if (!wwdr) problems.push('MUSTER_APPLE_WWDR_FILE must name Apple\'s WWDR intermediate certificate (PEM) with the installation\'s pass certificate');
    if (wwdr) apple = { ...(cert ? { certificateFile: cert } : {}), ...(key ? { keyFile: key } : {}), ...(p12 ? { p12File: p12 } : {}), ...(p12Password !== undefined ? { p12Password } : {}), wwdrFile: wwdr };
  } else if (p12Password !== undefined) problems.push('MUSTER_APPLE_PASS_P12_PASSWORD is set but MUSTER_APPLE_PASS_P12_FILE is not');
  const issuer = env.MUSTER_GOOGLE_WALLET_ISSUER_ID || undefined, gkey = env.MUSTER_GOOGLE_WALLET_KEY_FILE || undefined;
  let google: InstallationWalletFiles['google'];
  if (issuer || gkey) {
    if (!issuer || !gkey) problems.push('MUSTER_GOOGLE_WALLET_ISSUER_ID and MUSTER_GOOGLE_WALLET_KEY_FILE go together: the issuer id and its service account key file (JSON)');
    else google = { issuerId: issuer, keyFile: gkey };
  }
  return { ...(apple ? { apple } : {}), ...(google ? { google } : {}) };
}

/** One SMTP relay for the installation (docs/configuration.md#email). */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /**
   * `implicit`: TLS from the first byte (smtps://, RFC 8314 §3.3); `starttls`: the STARTTLS upgrade
   * is required (RFC 3207), never plain text; `optional`: STARTTLS when offered; `none`: plain text
   * (a relay on the same machine).
   */
  readonly tls: 'implicit' | 'starttls' | 'optional' | 'none';
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** The envelope and From address, and its display name when MUSTER_SMTP_FROM has one. */
  readonly fromAddress: string;
  readonly fromName: string | undefined;
  /** A PEM file of CA certificates trusted for the SMTP server instead of the system's. */
  readonly caFile: string | undefined;
  /** MUSTER_SMTP_MAX_PER_SECOND: messages this node hands to the relay per second at most (0: no limit). */
  readonly maxPerSecond: number;
}

/**
 * Messages per second a node sends by default. Relays limit their senders (Amazon SES starts an
 * account at 14 a second, Microsoft 365's SMTP submission at 30 a minute), and a campaign of
 * thousands sent flat out takes a third of a core away from provisioning (bench/RESULTS.md, "A
 * photo campaign"): 50 a second sends 10,000 invitations in under four minutes.
 */
export const DEFAULT_SMTP_MAX_PER_SECOND = 50;

/** An addr-spec as RFC 5321 §4.1.2 allows in practice: no spaces, one @, a dotted or bracketed domain. */
export const EMAIL_ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9a-f:]+:[0-9a-f:.]*\/\d{1,3})$/i;

/** The two variables of an address policy: every address allowed, and special ranges allowed all the same. */
function addressSettings(env: NodeJS.ProcessEnv, names: { readonly allow: string; readonly cidrs: string }, problems: string[]): AddressSettings {
  const allowRaw = env[names.allow] ?? 'false';
  if (!['true', 'false', '1', '0'].includes(allowRaw)) problems.push(`${names.allow} must be true or false, got ${JSON.stringify(allowRaw)}`);
  const cidrs = (env[names.cidrs] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = cidrs.filter((c) => !CIDR.test(c));
  if (bad.length) problems.push(`${names.cidrs} must be ranges such as 10.20.0.0/16 or fd00:1::/64, separated by commas; not ${bad.slice(0, 3).join(', ')}`);
  return Object.freeze({ allowPrivate: allowRaw === 'true' || allowRaw === '1', allowedCidrs: Object.freeze(cidrs) });
}

function webhookSettings(env: NodeJS.ProcessEnv, problems: string[]): WebhookSettings {
  const pauseAfterMinutes = intVar(env, 'MUSTER_WEBHOOKS_PAUSE_AFTER_MINUTES', 60, 0, 10_080, problems);
  return Object.freeze({ ...addressSettings(env, { allow: 'MUSTER_WEBHOOKS_ALLOW_PRIVATE', cidrs: 'MUSTER_WEBHOOKS_ALLOWED_CIDRS' }, problems), pauseAfterMinutes });
}

function smtpSettings(env: NodeJS.ProcessEnv, problems: string[]): SmtpSettings | undefined {
  const raw = env.MUSTER_SMTP_URL || undefined;
  const from = env.MUSTER_SMTP_FROM?.trim() || undefined;
  if (!raw) {
    if (from) problems.push('MUSTER_SMTP_FROM is set but MUSTER_SMTP_URL is not: set both to send email');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push('MUSTER_SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587 or smtps://mail.example.com (a password with special characters is percent-encoded)');
    return undefined;
  }
  const implicit = url.protocol === 'smtps:';
  if (!implicit && url.protocol !== 'smtp:') problems.push(`MUSTER_SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS), got ${url.protocol}//`);
  const host = url.hostname;
  if (!host) problems.push('MUSTER_SMTP_URL must name the SMTP server\'s host');
  const port = url.port ? Number(url.port) : implicit ? 465 : 587;
  const tlsParam = url.searchParams.get('tls') ?? (implicit ? 'implicit' : 'starttls');
  const unknown = [...url.searchParams.keys()].filter((k) => k !== 'tls');
  if (unknown.length) problems.push(`MUSTER_SMTP_URL has unknown options: ${unknown.join(', ')} (only ?tls=starttls|optional|none)`);
  let tls: SmtpSettings['tls'] = implicit ? 'implicit' : 'starttls';
  if (implicit && tlsParam !== 'implicit') problems.push('MUSTER_SMTP_URL: smtps:// is TLS from the start; ?tls= applies to smtp:// only');
  else if (!implicit) {
    if (tlsParam === 'starttls' || tlsParam === 'optional' || tlsParam === 'none') tls = tlsParam;
    else problems.push(`MUSTER_SMTP_URL: ?tls= takes starttls (the default), optional or none, got ${JSON.stringify(tlsParam)}`);
  }
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  // A password over a connection that may be plain text is readable on the way: only next door.
  if (user && (tls === 'optional' || tls === 'none') && !LOOPBACK.test(host)) {
    problems.push('MUSTER_SMTP_URL sends a user name and password without requiring TLS to a server on another machine: drop ?tls= (STARTTLS required) or use smtps://');
  }
  let fromAddress = '', fromName: string | undefined;
  const m = from ? /^(?:"?([^"<]*?)"?\s*<([^<>]+)>|([^<>\s]+))$/.exec(from) : null;
  if (!from) problems.push('MUSTER_SMTP_FROM must be set with MUSTER_SMTP_URL: the address mail is sent from, e.g. "Muster <muster@example.com>"');
  else if (!m || !EMAIL_ADDRESS.test((m[2] ?? m[3])!.trim())) problems.push(`MUSTER_SMTP_FROM must be an address, or a name and an address ("Muster <muster@example.com>"), got ${JSON.stringify(from)}`);
  else {
    fromAddress = (m[2] ?? m[3])!.trim();
    fromName = m[1]?.trim() || undefined;
  }
  const maxPerSecond = intVar(env, 'MUSTER_SMTP_MAX_PER_SECOND', DEFAULT_SMTP_MAX_PER_SECOND, 0, 100_000, problems);
  return { host, port, tls, user, password, fromAddress, fromName, caFile: env.MUSTER_SMTP_CA_FILE || undefined, maxPerSecond };
}

export class ConfigError extends Error {
  readonly code = 'MUSTER_CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_DATABASE_PATH = path.join('data', 'muster.sqlite');

/** 32 bytes in base64, as `openssl rand -base64 32` prints them. */
export function isSecretKey(s: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length === 32;
}

function intVar(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return dflt;
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const port = intVar(env, 'PORT', 8080, 0, 65535, problems);
  const maxBodyBytes = intVar(env, 'MUSTER_MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576, problems);
  const maxPageSize = intVar(env, 'MUSTER_MAX_PAGE_SIZE', 1000, 1, 10_000, problems);
  const bulkMaxOperations = intVar(env, 'MUSTER_BULK_MAX_OPERATIONS', 1000, 1, 100_000, problems);
  const groupStreamFrom = intVar(env, 'MUSTER_GROUP_STREAM_FROM', 10_000, 1, 10_000_000, problems);
  const scanTimeoutMs = intVar(env, 'MUSTER_SCAN_TIMEOUT_S', DEFAULT_SCAN_TIMEOUT_MS / 1000, 1, 3600, problems) * 1000;
  const logLevel = (env.MUSTER_LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push(`MUSTER_LOG_LEVEL must be one of debug, info, warn, error, silent; got ${JSON.stringify(logLevel)}`);
  }
  const publicUrl = env.MUSTER_PUBLIC_URL?.replace(/\/+$/, '') || undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    problems.push(`MUSTER_PUBLIC_URL must be an http(s) origin such as https://muster.example.com, got ${JSON.stringify(publicUrl)}`);
  }
  const trustProxyRaw = env.MUSTER_TRUST_PROXY ?? 'false';
  // true is one proxy; a number is that many chained proxies, each appending to X-Forwarded-For.
  const trustProxyHops = trustProxyRaw === 'true' ? 1 : trustProxyRaw === 'false' ? 0 : /^(10|[1-9])$/.test(trustProxyRaw) ? Number(trustProxyRaw) : -1;
  if (trustProxyHops < 0) problems.push(`MUSTER_TRUST_PROXY must be true, false or the number of proxies in front of Muster (1 to 10), got ${JSON.stringify(trustProxyRaw)}`);
  const secretKey = env.MUSTER_SECRET_KEY || undefined;
  // Checked at start, not at first use: a typo must not surface hours later in a wallet push.
  if (secretKey !== undefined && !isSecretKey(secretKey)) {
    problems.push('MUSTER_SECRET_KEY must be 32 random bytes in base64 (openssl rand -base64 32)');
  }
  const secretKeyPrevious = env.MUSTER_SECRET_KEY_PREVIOUS || undefined;
  if (secretKeyPrevious !== undefined && !isSecretKey(secretKeyPrevious)) problems.push('MUSTER_SECRET_KEY_PREVIOUS must be 32 bytes in base64, the key MUSTER_SECRET_KEY replaces');
  if (secretKeyPrevious !== undefined && secretKey === undefined) problems.push('MUSTER_SECRET_KEY_PREVIOUS needs MUSTER_SECRET_KEY (the new key) beside it; a key file keeps its previous key in the file');
  const databaseUrl = env.MUSTER_DATABASE_URL || DEFAULT_DATABASE_PATH;
  // The data directory holds the generated secret key: beside the SQLite file it is backed up with
  // it; PostgreSQL installs have no such directory, so ./data as for a default SQLite install.
  const dataDir = env.MUSTER_DATA_DIR || (engineOf(databaseUrl) === 'sqlite' && databaseUrl !== ':memory:' ? path.dirname(databaseUrl) : 'data');
  const setupToken = env.MUSTER_SETUP_TOKEN || undefined;
  if (setupToken !== undefined && setupToken.length < 16) problems.push('MUSTER_SETUP_TOKEN must be at least 16 characters (openssl rand -base64 24)');
  const signInPerMinute = intVar(env, 'MUSTER_SIGN_IN_LIMIT', 20, 0, 10_000, problems);
  const publicRatePerSecond = intVar(env, 'MUSTER_PUBLIC_RATE_LIMIT', 10, 0, 100_000, problems);
  const sharedLimits = (env.MUSTER_SHARED_LIMITS || 'auto') as Config['sharedLimits'];
  if (!['auto', 'on', 'off'].includes(sharedLimits)) problems.push(`MUSTER_SHARED_LIMITS must be auto, on or off, got ${JSON.stringify(sharedLimits)}`);
  const demoRaw = env.MUSTER_DEMO ?? 'true';
  if (!['true', 'false', '1', '0'].includes(demoRaw)) problems.push(`MUSTER_DEMO must be true or false, got ${JSON.stringify(demoRaw)}`);
  const auditRetentionDays = intVar(env, 'MUSTER_AUDIT_RETENTION_DAYS', 0, 0, 36_500, problems);
  const requestLogRetentionDays = intVar(env, 'MUSTER_REQUEST_LOG_RETENTION_DAYS', 7, 1, 3650, problems);
  const requestLogMaxEntries = intVar(env, 'MUSTER_REQUEST_LOG_MAX_ENTRIES', 1_000_000, 0, 1_000_000_000, problems);
  const verificationLogRetentionDays = intVar(env, 'MUSTER_VERIFICATION_LOG_RETENTION_DAYS', 90, 1, 3650, problems);
  const eventsRetentionDays = intVar(env, 'MUSTER_EVENTS_RETENTION_DAYS', 30, 1, 3650, problems);
  const rateLimitPerSecond = intVar(env, 'MUSTER_RATE_LIMIT', 100, 0, 100_000, problems);
  const rateLimitBurst = intVar(env, 'MUSTER_RATE_LIMIT_BURST', 200, 1, 1_000_000, problems);
  const requestLog = (env.MUSTER_REQUEST_LOG ?? 'all') as Config['requestLog'];
  if (!['all', 'failed', 'off'].includes(requestLog)) problems.push(`MUSTER_REQUEST_LOG must be all, failed or off; got ${JSON.stringify(requestLog)}`);
  const auditRaw = env.MUSTER_AUDIT ?? 'on';
  if (!['on', 'off'].includes(auditRaw)) problems.push(`MUSTER_AUDIT must be on or off, got ${JSON.stringify(auditRaw)}`);
  const apnsUrl = (env.MUSTER_APNS_URL || 'https://api.push.apple.com').replace(/\/+$/, '');
  if (!/^https:\/\/[^/]+$/.test(apnsUrl)) problems.push(`MUSTER_APNS_URL must be an https origin such as https://api.push.apple.com, got ${JSON.stringify(apnsUrl)}`);
  const metricsToken = env.MUSTER_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('MUSTER_METRICS_TOKEN must be at least 16 characters (openssl rand -base64 24)');
  let metricsListen: Config['metricsListen'];
  const listenRaw = env.MUSTER_METRICS_LISTEN || undefined;
  if (listenRaw !== undefined) {
    // host:port, [v6]:port, or a bare port (loopback then: metrics need not leave the machine to be scraped by a local agent).
    const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):)?(\d{1,5})$/.exec(listenRaw);
    const lport = m ? Number(m[2]) : NaN;
    if (!m || lport > 65535) problems.push(`MUSTER_METRICS_LISTEN must be host:port (127.0.0.1:9464) or a port, got ${JSON.stringify(listenRaw)}`);
    else metricsListen = { host: m[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port: lport };
  }
  const shutdownGraceSeconds = intVar(env, 'MUSTER_SHUTDOWN_GRACE_SECONDS', 25, 0, 3600, problems);
  const smtp = smtpSettings(env, problems);
  const webhooks = webhookSettings(env, problems);
  const oidcAddresses = addressSettings(env, { allow: 'MUSTER_OIDC_ALLOW_PRIVATE', cidrs: 'MUSTER_OIDC_ALLOWED_CIDRS' }, problems);
  if (env.MUSTER_SMTP_CA_FILE && !smtp) problems.push('MUSTER_SMTP_CA_FILE is set but MUSTER_SMTP_URL is not');
  const installationWallets = walletFiles(env, problems);
  const config: Config = {
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    publicUrl,
    trustProxy: trustProxyHops > 0,
    trustProxyHops: Math.max(0, trustProxyHops),
    maxBodyBytes,
    maxPageSize,
    bulkMaxOperations,
    groupStreamFrom,
    scanTimeoutMs,
    logLevel,
    demo: demoRaw === 'true' || demoRaw === '1',
    audit: auditRaw !== 'off',
    auditRetentionDays,
    requestLog,
    requestLogRetentionDays,
    requestLogMaxEntries,
    verificationLogRetentionDays,
    eventsRetentionDays,
    rateLimitPerSecond,
    rateLimitBurst,
    secretKey,
    secretKeyPrevious,
    dataDir,
    setupToken,
    signInPerMinute,
    sharedLimits,
    publicRatePerSecond,
    entraCustomEndpoints: env.MUSTER_ENTRA_CUSTOM_ENDPOINTS === 'true',
    apnsUrl,
    apnsCaFile: env.MUSTER_APNS_CA_FILE || undefined,
    googleWalletCustomEndpoints: env.MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS === 'true',
    oidcAllowHttp: env.MUSTER_OIDC_ALLOW_HTTP === 'true',
    oidcAddresses,
    smtp: smtp ? Object.freeze(smtp) : undefined,
    installationWallets: Object.freeze(installationWallets),
    // src/config.ts and dist/config.js both sit one level below the project root.
    webRoot: env.MUSTER_WEB_ROOT || fileURLToPath(new URL('../dist/web', import.meta.url)),
    webhooks,
    metricsToken,
    metricsListen: metricsListen ? Object.freeze(metricsListen) : undefined,
    shutdownGraceMs: shutdownGraceSeconds * 1000,
    ...overrides,
  };
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(config);
}
