// Lint: typescript-eslint's recommended rules plus the architectural rule we enforce: imports flow
// one way (README "Architecture"). Each folder of src/ is a domain; ARROWS lists, per folder, the
// other folders it may import. Every arrow not listed is an error, so a new dependency between
// domains is a decision made here, in review, not by accident.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message, ignores) => ({
  files,
  ...(ignores ? { ignores } : {}),
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message }] }],
  },
});

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'os', 'child_process', 'url', 'util', 'net', 'stream'];
// What talks to a database directly: only store/ (and main.ts, which opens it) may.
const SQL = ['kysely', 'pg', 'better-sqlite3'];
const NODE_IO = ['node:fs', 'node:fs/*', 'node:http', 'node:http2', 'node:https', 'node:net', 'node:child_process', 'fs', 'http', 'https', 'net', 'child_process'];

const FOLDERS = ['scim', 'roster', 'store', 'http', 'sync', 'cli', 'accounts', 'audit', 'lists', 'credentials', 'jobs', 'secrets', 'email', 'events', 'metrics', 'backup', 'limits'];
/** folder -> the other folders it may import (any folder may import log.ts and its npm packages). */
const ARROWS = {
  scim: [],
  roster: ['scim'],
  store: ['scim', 'roster'], // and events/types.ts, the shape of an outbox row (below)
  secrets: ['store', 'jobs'],
  jobs: ['roster', 'store', 'audit', 'lists'], // lists: the rederive job the runner registers itself
  audit: ['scim', 'roster', 'store', 'events', 'credentials'],
  events: ['roster', 'store', 'secrets'],
  accounts: ['store', 'audit', 'lists', 'secrets', 'events'], // events: the address policy a single sign-on provider is reached through, as webhooks are
  lists: ['scim', 'roster', 'store', 'audit', 'credentials', 'jobs', 'secrets'],
  credentials: ['scim', 'roster', 'store', 'audit', 'accounts', 'email', 'events', 'jobs', 'secrets'],
  email: ['store', 'audit', 'accounts', 'credentials', 'events', 'jobs'],
  sync: ['scim', 'roster', 'store', 'audit', 'lists', 'credentials', 'jobs', 'secrets'],
  metrics: ['scim'],
  limits: ['store'], // rate limits and sign-in backoff counted in the database across nodes
  backup: ['store', 'audit', 'secrets'],
  http: ['scim', 'roster', 'store', 'accounts', 'audit', 'lists', 'credentials', 'jobs', 'secrets', 'email', 'events', 'metrics', 'sync', 'limits'],
  cli: ['scim', 'roster', 'store', 'accounts', 'audit', 'lists', 'credentials', 'jobs', 'secrets', 'email', 'events', 'metrics', 'sync', 'backup', 'limits'],
};
/** Only these may import config.ts (its types or loader); the rest get their settings passed in. */
const READS_CONFIG = new Set(['cli', 'jobs', 'credentials', 'email', 'backup', 'store']);
const forbiddenFor = (folder) => [
  ...FOLDERS.filter((f) => f !== folder && !ARROWS[folder].includes(f)).map((f) => `**/${f}/**`),
  ...(folder === 'cli' ? [] : ['**/main*']),
  ...(READS_CONFIG.has(folder) ? [] : ['**/config*']),
  ...(folder === 'http' ? [] : ['hono']),
];

// The credentials services (photos, cards, wallets) sit beside the pure card design they orchestrate;
// the card design files themselves stay pure of storage and services (the last rule below).
const CREDENTIAL_SERVICES = ['src/credentials/*-service.ts', 'src/credentials/wallet-*.ts', 'src/credentials/installation-wallets.ts',
  'src/credentials/lifecycle-consumers.ts', 'src/credentials/apple/apple-*.ts', 'src/credentials/apple/apns-client.ts',
  'src/credentials/apple/pass-push-job.ts', 'src/credentials/apple/pass-web-service.ts', 'src/credentials/apple/pass-stamp.ts',
  'src/credentials/google/google-wallet.ts'];

const domainRules = [
  // runtime/ is how work takes turns on the process's one event loop (yielding, background work
  // giving way to requests), and how new ids are made: below every folder, it imports none.
  layer(['src/runtime/**/*.ts'], [...FOLDERS.map((f) => `**/${f}/**`), '**/config*', '**/main*', 'hono', ...SQL],
    'src/runtime imports nothing of ours: every folder may import it'),
  layer(['src/scim/**/*.ts'], [...forbiddenFor('scim'), ...SQL, ...NODE_BUILTINS],
    'src/scim is pure SCIM 2.0: no HTTP, SQL, Node built-ins or other Muster folders'),
  layer(['src/roster/**/*.ts'], [...forbiddenFor('roster'), ...SQL, ...NODE_IO],
    'src/roster is the pure domain (fields, mapping, derivation, audit diffs): it may use src/scim only, and does no I/O'),
  layer(['src/store/**/*.ts'], [...forbiddenFor('store').filter((p) => p !== '**/events/**'), '**/events/**', '!**/events/types.js', '!**/events/from-audit.js', '**/scim/errors*'],
    'src/store knows SQL, SCIM and the domain (of src/events, its types and the pure function that makes events from an audit event: the outbox reads payloads through it), never HTTP or the services above it, and builds no SCIM wire error (it throws UniqueViolation, FilterProblem: services map them)'),
  layer(['src/http/**/*.ts'], [...forbiddenFor('http'), ...SQL, '**/store/*-repo*', '**/store/connect*', '**/store/migrations/**', '**/store/sqlite/**', '**/store/postgres/**'],
    'src/http calls services and the Store port: no SQL, no kysely, no repository module, no config (createApp(deps) gets what it needs)'),
  layer(['src/sync/**/*.ts'], [...forbiddenFor('sync'), ...SQL],
    'src/sync (Entra) goes through the domain services and the Store port, never through src/http or SQL'),
  layer(['src/cli/**/*.ts'], [...forbiddenFor('cli'), ...SQL],
    'src/cli goes through main.ts and the services, never through src/http or SQL'),
  // backup/ copies the SQLite file with better-sqlite3's online backup API (the only consistent copy
  // of a live database), so it alone of the services may import better-sqlite3.
  layer(['src/backup/**/*.ts'], [...forbiddenFor('backup'), 'kysely', 'pg'],
    'src/backup uses the Store port and better-sqlite3 backup API, never HTTP'),
  ...['accounts', 'audit', 'lists', 'credentials', 'jobs', 'secrets', 'email', 'events', 'metrics', 'limits'].map((f) =>
    layer([`src/${f}/**/*.ts`], [...forbiddenFor(f), ...SQL],
      `src/${f} is a domain service: it may import ${ARROWS[f].join(', ') || 'no other folder'} (eslint.config.js ARROWS), never HTTP, SQL or the composition root`)),
  layer(['src/credentials/**/*.ts'], [...FOLDERS.filter((f) => !['credentials', 'scim', 'roster'].includes(f)).map((f) => `**/${f}/**`), '**/config*', '**/main*', 'hono', ...SQL],
    'src/credentials card design and print is pure of storage, services and HTTP: it may use src/roster and src/scim only, and never reads config',
    CREDENTIAL_SERVICES),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...domainRules,
  {
    // The admin web app: web/src/api is the only place that talks HTTP (one client adds the CSRF
    // header and turns error bodies into ApiError), and the browser code never reaches into the server.
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
    ignores: ['web/src/api/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'fetch', message: 'call the API through web/src/api' }],
      'no-restricted-properties': ['error', { object: 'window', property: 'fetch', message: 'call the API through web/src/api' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/../src/**', '**/../../src/**'], message: 'the web app never imports server code' }] }],
    },
  },
  {
    files: ['bench/**/*.mjs', 'bin/**/*.js', 'test/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', TextEncoder: 'readonly' } },
  },
);
