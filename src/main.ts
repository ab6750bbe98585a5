/**
 * Composition root: the only module that knows every concrete class. Builds the services over
 * an opened store and hands them to the HTTP app.
 */
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { bulkTurnGate } from './http/scim-routes.js';
import type { TurnGate } from './runtime/turn-gate.js';
import { TokenAuth } from './http/auth.js';
import { RateLimiter } from './http/rate-limit.js';
import { SharedRateLimiter, type ThrottleFactory } from './limits/shared-rate-limiter.js';
import { createLogger, type Logger } from './log.js';
import { BulkService } from './lists/bulk-service.js';
import { ListsService } from './lists/lists-service.js';
import { ScimService } from './lists/scim-service.js';
import { AuditTrail } from './audit/audit-trail.js';
import { RequestLog } from './audit/request-log.js';
import { AdminKeys } from './accounts/admin-keys.js';
import { AdminAccounts } from './accounts/admin-accounts.js';
import { SsoConnections } from './accounts/sso/sso-connections.js';
import { OidcSignIn } from './accounts/sso/oidc-sign-in.js';
import { CredentialService } from './credentials/credential-service.js';
import type { CredentialStatus } from './store/index.js';
import { PhotoService } from './credentials/photo-service.js';
import { CardService, PRINT_JOB } from './credentials/card-service.js';
import { AuditReader } from './audit/audit-query.js';
import { RosterService } from './lists/roster-service.js';
import { AttributeTracker } from './lists/attribute-tracker.js';
import { JobRunner } from './jobs/job-runner.js';
import { COMPACT_JOB, compactJob } from './jobs/compact-job.js';
import { ImportService } from './lists/import-service.js';
import { EntraSync, ENTRA_JOB, ENTRA_PHOTOS_JOB } from './sync/entra-sync.js';
import { EntraPhotoSync } from './sync/entra-photos.js';
import { SecretBoxError } from './secrets/secret-box.js';
import { openSecretKey, type SecretKeySource } from './secrets/index.js';
import { ApnsClient } from './credentials/apple/apns-client.js';
import { AppleWalletSettings } from './credentials/apple/apple-wallet-settings.js';
import { APPLE_PUSH_JOB, ApplePasses, type PassPhotoProvider } from './credentials/apple/apple-passes.js';
import { PassPushJob } from './credentials/apple/pass-push-job.js';
import { PassWebService } from './credentials/apple/pass-web-service.js';
import { GOOGLE_WALLET_JOB, GoogleWallet } from './credentials/google/google-wallet.js';
import { CaptureService } from './credentials/capture-service.js';
import { WalletBranding } from './credentials/wallet-branding.js';
import { WalletLinkBuilder } from './credentials/wallet-links.js';
import { InstallationWallets } from './credentials/installation-wallets.js';
import { WalletDelivery, WALLET_DELIVERY_JOB } from './credentials/wallet-delivery.js';
import { applyWalletEnvironment } from './credentials/wallet-environment.js';
import { createDefaultRegistry } from './scim/schemas/index.js';
import { CAMPAIGN_JOB, campaignInviteConsumer, CampaignService, EmailOutbox, EmailService, smtpTransport } from './email/index.js';
import { openDatabase, Store } from './store/index.js';
import { EventsApi } from './events/events-api.js';
import { OutboxConsumers } from './events/consumers.js';
import { walletContentConsumer } from './credentials/lifecycle-consumers.js';
import { AddressPolicy } from './events/address-policy.js';
import { providerFetch } from './accounts/sso/provider-fetch.js';
import { WebhookDispatcher } from './events/webhook-dispatcher.js';
import { WebhookSender } from './events/webhook-sender.js';
import { WebhookService } from './events/webhook-service.js';
import { Metrics } from './metrics/index.js';
import { Hono } from 'hono';

export const DEFAULT_PAGE_SIZE = 100;

export interface Muster {
  readonly store: Store;
  readonly lists: ListsService;
  readonly scim: ScimService;
  readonly audit: AuditTrail;
  readonly requestLog: RequestLog;
  readonly roster: RosterService;
  readonly tracker: AttributeTracker;
  readonly jobs: JobRunner;
  readonly entra: EntraSync;
  readonly accounts: AdminAccounts;
  readonly credentials: CredentialService;
  readonly photos: PhotoService;
  readonly cards: CardService;
  readonly appleWallet: AppleWalletSettings;
  readonly googleWallet: GoogleWallet;
  readonly email: EmailService;
  readonly campaigns: CampaignService;
  readonly walletLinks: WalletLinkBuilder;
  readonly installationWallets: InstallationWallets;
  readonly webhooks: WebhookService;
  /** Sends webhooks on this node (started with the jobs). */
  readonly webhookDispatcher: WebhookDispatcher;
  /** Bulk requests' turns by organisation on this node (http/scim-routes.ts, BULK_TURNS). */
  readonly bulkTurns: TurnGate;
  readonly app: ReturnType<typeof createApp>;
  readonly log: Logger;
  /** This node's Prometheus metrics (src/metrics/): services that count something receive it. */
  readonly metrics: Metrics;
  /** Starts the background jobs and the Entra scheduler, when buildMuster was asked not to (`muster serve` starts them once it listens). */
  startJobs(): void;
  /** Where this node's secret key comes from (for the start banner; never the key). */
  readonly secretKey: SecretKeySource;
  /**
   * Stops the jobs and closes the database. `graceMs`: how long running jobs get to finish before
   * their claims are handed back to the queue (unset: wait for them).
   */
  close(graceMs?: number): Promise<void>;
}

/** The store for a command; `serving`: for a node that serves requests (store/connect.ts, OpenOptions). */
export async function openStore(config: Config, serving = false): Promise<Store> {
  return new Store(await openDatabase(config.databaseUrl, { serving, scanTimeoutMs: config.scanTimeoutMs }));
}

/** What main.ts does not build from config: the source of holders' photos for wallet passes (default: their approved photo). */
export interface MusterOptions {
  readonly photos?: PassPhotoProvider;
  /** The clock photo campaigns read (when reminders fall due): tests move it on by days. */
  readonly campaignClock?: () => Date;
  /** The clock rate limits refill by (epoch ms): tests share one frozen clock between two nodes. */
  readonly limitsClock?: () => number;
}

export async function buildMuster(config: Config, log: Logger = createLogger(config.logLevel), startJobs = true, options: MusterOptions = {}): Promise<Muster> {
  const store = await openStore(config, true);
  store.onListenerError = (err) => log.error('a listener of committed work failed; the work is saved, and its consumers catch up at their next poll', { err: err instanceof Error ? err.stack ?? err.message : String(err) });
  // Before anything can seal a secret: a node whose key does not match the database's is refused here.
  const secretKey = await openSecretKey(config, store).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  if (secretKey.rotationPending) log.warn('secrets are stored under the previous secret key: run muster secrets rotate');
  if (secretKey.source.kind === 'none') log.warn('no secret key: secrets cannot be stored until MUSTER_SECRET_KEY is set or the data directory is writable', { keyFile: secretKey.source.path, reason: secretKey.source.reason });
  const registry = createDefaultRegistry();
  const metrics = new Metrics({
    queues: async () => [...await store.roster.queueStats(), ...await store.email.queueStats()],
    pool: () => store.poolStats(),
    scans: () => store.scanStats(),
  });
  const audit = new AuditTrail(config.audit, undefined, (action) => metrics.auditEvents.inc({ action }));
  const roster = new RosterService(store, audit);
  const tracker = new AttributeTracker(store, log);
  const credentials = new CredentialService(store, audit);
  // Deactivation revokes credentials in the same transaction (SCIM, Bulk, CSV import and Entra sync alike).
  const scim = new ScimService(store, registry, { maxPageSize: config.maxPageSize, defaultPageSize: Math.min(DEFAULT_PAGE_SIZE, config.maxPageSize), groupStreamFrom: config.groupStreamFrom }, audit, roster, tracker, credentials);
  const jobs = new JobRunner(store, roster, audit, log, undefined, undefined, {
    onRun: (kind, outcome, seconds) => {
      metrics.jobRuns.observe({ kind, outcome }, seconds);
      if (kind === ENTRA_JOB) metrics.entraRuns.observe({ outcome }, seconds);
      else if (kind === APPLE_PUSH_JOB) metrics.walletPushes.inc({ wallet: 'apple', outcome });
      else if (kind === GOOGLE_WALLET_JOB) metrics.walletPushes.inc({ wallet: 'google', outcome });
    },
    onHandedBack: (queue, n) => metrics.shutdownHandedBack.inc({ queue }, n),
  });
  const secretBox = () => {
    if (secretKey.box) return secretKey.box;
    throw new SecretBoxError('MUSTER_SECRET_KEY_MISSING', `no secret key to store secrets with: set MUSTER_SECRET_KEY (32 random bytes, base64: \`openssl rand -base64 32\`), or make the data directory writable so Muster can keep its key in ${secretKey.source.kind === 'none' ? secretKey.source.path : 'it'}`);
  };
  const entra = new EntraSync(store, scim, secretBox, log, {}, config.entraCustomEndpoints);
  jobs.register(ENTRA_JOB, (job, save) => entra.run(job, save));
  const photos = new PhotoService(store, audit);
  const entraPhotos = new EntraPhotoSync(store, entra, photos, log);
  jobs.register(ENTRA_PHOTOS_JOB, (job, save) => entraPhotos.run(job, save));
  const importer = new ImportService(store, audit, credentials);
  // Apple Wallet: passes are credentials; their status changes queue pushes that run after commit.
  const appleWallet = new AppleWalletSettings(store, audit, secretBox);
  const approvedPhotos: PassPhotoProvider = { photo: async (listId, personId) => ((await store.users.get(listId, personId)) ? store.photos.approvedImage(personId) : undefined) };
  const applePasses = new ApplePasses(store, appleWallet, secretBox, config.publicUrl, options.photos ?? approvedPhotos);
  credentials.registerKind('apple_pass', {
    onIssued: (tx, list, row) => applePasses.onIssue(tx, list, row), onStatusChanged: applePasses.onStatusChange,
    // New roster values: the pass becomes a new version with the same status, pushed to its devices.
    onContentChanged: (tx, row, meta) => applePasses.onStatusChange(tx, row, row.status as CredentialStatus, meta),
  });
  const apns = new ApnsClient({ baseUrl: config.apnsUrl, ...(config.apnsCaFile ? { ca: readFileSync(config.apnsCaFile, 'utf8') } : {}) });
  const pushJob = new PassPushJob(store, appleWallet, apns, audit);
  jobs.register(APPLE_PUSH_JOB, (job) => pushJob.run(job), { quick: true });
  const passKit = new PassWebService(store, applePasses, audit, (msg, fields) => log.warn(msg, fields));
  // Wallet updates after a revocation are short and urgent: their own loop, never behind an Entra run.
  const googleWallet = new GoogleWallet(store, audit, secretBox, log, { allowCustomEndpoints: config.googleWalletCustomEndpoints });
  credentials.registerKind('google_pass', googleWallet.hooks());
  jobs.register(GOOGLE_WALLET_JOB, (job) => googleWallet.runJob(job), { quick: true });
  // Email: messages are rows; the runner drains them on every node (without SMTP, nothing is queued).
  const accounts = new AdminAccounts(store, undefined, options.limitsClock);
  const email = new EmailService(store, audit, photos, config.smtp, accounts);
  const cards = new CardService(store, audit, credentials, email);
  jobs.register(PRINT_JOB, (job, save) => cards.run(job, save));
  const mailer = config.smtp ? smtpTransport(config.smtp) : undefined;
  if (config.smtp && mailer) {
    const outbox = new EmailOutbox(store, mailer, log, { fromAddress: config.smtp.fromAddress, fromName: config.smtp.fromName, maxPerSecond: config.smtp.maxPerSecond, onOutcome: (outcome) => metrics.emailDeliveries.inc({ outcome }) });
    jobs.registerQueue('email', (stopped) => outbox.drain(stopped), () => outbox.release());
  }
  // Photo campaigns: a job per campaign; new people created by SCIM, Bulk or Entra sync join the list's automatic one.
  const campaigns = new CampaignService(store, audit, photos, email, options.campaignClock);
  jobs.register(CAMPAIGN_JOB, (job, save) => campaigns.run(job, save));
  // What follows a change consumes its outbox event (issue 15, item 2): handled at once on the
  // node that committed it, and by any node's job runner from the consumer's cursor otherwise.
  const consumers = new OutboxConsumers(store, [walletContentConsumer(credentials), campaignInviteConsumer(campaigns)], log);
  jobs.registerQueue('outbox', (stopped) => consumers.drain(stopped));
  // Webhooks: deliveries are rows; every node's runner fans out and sends, nudged by its own commits.
  const webhookPolicy = new AddressPolicy(config.webhooks);
  const webhookSender = new WebhookSender(webhookPolicy);
  const webhookDispatcher = new WebhookDispatcher(store, webhookSender, secretBox, log, { pauseAfterMs: config.webhooks.pauseAfterMinutes * 60_000 });
  jobs.registerQueue('webhooks', (stopped) => webhookDispatcher.drain(stopped));
  let jobsStarted = false;
  const webhooks = new WebhookService(store, secretBox, webhookPolicy, () => {
    if (jobsStarted) webhookDispatcher.nudge();
  }, accounts);
  let scheduler: NodeJS.Timeout | undefined;
  const start = () => {
    if (scheduler) return;
    jobsStarted = true;
    consumers.start();
    jobs.start();
    webhookDispatcher.start();
    // Any node may enqueue due Entra runs; one run per list at a time is enforced on enqueue.
    const tick = () => {
      void entra.schedule().catch((err: unknown) => log.error('entra scheduler failed', { err: String(err) }));
      // Campaign reminders that fell due, and campaigns whose job was lost, get a job (any node; one per campaign).
      void campaigns.tick().catch((err: unknown) => log.error('campaign scheduler failed', { err: String(err) }));
    };
    scheduler = setInterval(tick, 60_000);
    scheduler.unref();
    tick();
  };
  const capture = new CaptureService(store, audit);
  const walletBranding = new WalletBranding(store, audit);
  // What a pass-delivery email (issue 14, item 1) fills its links from.
  const walletLinks = new WalletLinkBuilder(store, applePasses, googleWallet);
  const walletDelivery = new WalletDelivery(store, audit, credentials, walletLinks, email);
  jobs.register(WALLET_DELIVERY_JOB, (job, save) => walletDelivery.run(job, save));
  // People still stored as before migration 043: rewritten in the form a write makes (045 queues it).
  jobs.register(COMPACT_JOB, compactJob(store), { low: true });
  const bulk = new BulkService(scim, config.bulkMaxOperations, log);
  const lists = new ListsService(store, audit);
  const installationWallets = new InstallationWallets(appleWallet, googleWallet, accounts);
  // Before any job runs: passes issued from now on use what the environment names.
  await applyWalletEnvironment(config.installationWallets, installationWallets, log);
  // An owner names the provider: it may be reached only where the operator allows (as webhooks).
  const oidcPolicy = new AddressPolicy(config.oidcAddresses, { what: 'single sign-on', variable: 'MUSTER_OIDC_ALLOWED_CIDRS' });
  const ssoConnections = new SsoConnections(store, accounts, secretBox, { allowHttp: config.oidcAllowHttp, addresses: oidcPolicy });
  const sso = new OidcSignIn(store, accounts, ssoConnections, { allowHttp: config.oidcAllowHttp, fetch: providerFetch(oidcPolicy) });
  if (startJobs) start();
  // Rate limits across every node on one database (docs/operations.md, "Several nodes"), or in
  // this process's memory, exact for one process: SQLite's default.
  const sharedLimits = config.sharedLimits === 'on' || (config.sharedLimits === 'auto' && store.engine === 'postgres');
  const limitsClock = options.limitsClock;
  const throttles: ThrottleFactory = sharedLimits
    ? (scope, rate) => new SharedRateLimiter(store.limits, scope, rate, limitsClock, (err) => log.error('shared rate limit unavailable: admitting', { scope, err: String(err) }))
    : (_scope, rate) => new RateLimiter(rate, limitsClock);
  const bulkTurns = bulkTurnGate();
  const requestLog = new RequestLog(store, config.requestLog, (err) => log.error('request log write failed', { err: String(err) }));
  const app = createApp({
    scim, bulk, auth: new TokenAuth(store, audit, { onTouchError: (err) => log.warn('could not write when a token was last used', { err: String(err) }) }), audit, requestLog, store, log,
    adminKeys: new AdminKeys(store, audit, lists), reader: new AuditReader(store), roster, tracker,
    importer, lists, entra, accounts, campaigns, setupToken: config.setupToken, signInPerMinute: config.signInPerMinute, credentials, photos, cards, appleWallet, applePasses, passKit, googleWallet, email, capture, walletBranding, walletLinks, installationWallets, walletDelivery, events: new EventsApi(store), webhooks, ssoConnections, sso, webRoot: config.webRoot, publicRatePerSecond: config.publicRatePerSecond,
    maxBodyBytes: config.maxBodyBytes, rateLimiter: throttles('scim', { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst }), throttles, maxPageSize: config.maxPageSize, bulkMaxOperations: config.bulkMaxOperations, bulkTurns,
    publicUrl: config.publicUrl, trustProxy: config.trustProxy, trustProxyHops: config.trustProxyHops, metrics, metricsToken: config.metricsToken,
    health: () => store.ping(),
    onRequest: (r) => {
      if (r.aborted) log.info('scim request aborted by the client', { ...r });
      else if (r.status >= 500) log.error('scim request failed', { ...r });
      else if (r.status >= 400) log.warn('scim request refused', { ...r });
    },
  });
  return {
    store, lists, scim, audit, requestLog, roster, tracker, jobs, entra, accounts, credentials, photos, cards, appleWallet, googleWallet, email, campaigns, walletLinks, installationWallets, webhooks, webhookDispatcher, app, log, metrics, bulkTurns,
    startJobs: start,
    secretKey: secretKey.source,
    close: async (graceMs?: number) => {
      if (scheduler) clearInterval(scheduler);
      await consumers.stop();
      // The same grace for both: the dispatcher's drains may have been started by a commit, outside the runner.
      const [, webhooksGiven] = await Promise.all([jobs.stop(graceMs), webhookDispatcher.stop(graceMs)]);
      if (webhooksGiven) {
        log.info('stopping: handed back leased rows', { queue: 'webhooks', count: webhooksGiven });
        metrics.shutdownHandedBack.inc({ queue: 'webhooks' }, webhooksGiven);
      }
      webhookSender.close();
      mailer?.close();
      apns.close();
      await requestLog.flush();
      await tracker.flush();
      await store.close();
    },
  };
}

/** Why a server could not listen, with a stable code (docs/errors.md). */
export class ListenError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string): ListenError {
  if (err.code === 'EADDRINUSE') {
    return new ListenError('MUSTER_PORT_IN_USE', `port ${port} on ${host} is already in use: stop what listens there, or choose another port with PORT=… or --port …`, { cause: err });
  }
  return new ListenError('MUSTER_LISTEN_FAILED', `cannot listen on ${host}:${port} (${err.code ?? err.message}): check HOST or --host, and PORT or --port (ports below 1024 need privileges)`, { cause: err });
}

/**
 * GET /metrics alone on a listener of its own (MUSTER_METRICS_LISTEN), without a token: for an
 * address only the monitoring system reaches (loopback, a private network). Anything else is 404.
 */
export function listenMetrics(metrics: Metrics, port: number, host: string): Promise<{ server: ServerType; port: number }> {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
  app.notFound((c) => c.json({ error: 'not_found', detail: 'this listener serves GET /metrics only' }, 404));
  return listen(app, port, host);
}

/** Starts listening; resolves with the bound port (useful with port 0), or rejects with a ListenError. */
export function listen(app: Hono, port: number, host: string): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => resolve({ server, port: info.port }));
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port, host)));
  });
}
