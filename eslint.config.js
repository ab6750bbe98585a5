// Lint: typescript-eslint's recommended rules plus the one architectural rule we enforce:
// imports flow one way (CONVENTIONS.md). scim/ is pure SCIM and imports nothing of ours but
// itself; roster/ may use scim/; credentials/ may use scim/ and roster/; store/ may use scim/ and
// roster/; only main.ts and cli/ wire everything together.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message }] }],
  },
});

// The credentials services (photos, cards, wallets) sit beside the pure card design they orchestrate.
const CREDENTIAL_SERVICES = ['src/credentials/*-service.ts', 'src/credentials/wallet-*.ts', 'src/credentials/installation-wallets.ts',
  'src/credentials/lifecycle-consumers.ts', 'src/credentials/apple/apple-*.ts', 'src/credentials/apple/pass-push-job.ts',
  'src/credentials/apple/pass-web-service.ts', 'src/credentials/apple/pass-stamp.ts', 'src/credentials/google/google-wallet.ts'];

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'os', 'child_process', 'url', 'util', 'net', 'stream'];

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
  layer(['src/scim/**/*.ts'],
    ['**/roster/**', '**/store/**', '**/http/**', '**/sync/**', '**/credentials/**', '**/accounts/**', '**/audit/**', '**/lists/**', '**/jobs/**', '**/config*', '**/main*', '**/cli/**', 'kysely', 'hono', 'pg', 'better-sqlite3', ...NODE_BUILTINS],
    'src/scim is pure SCIM 2.0: no HTTP, SQL, Node built-ins or other Muster layers (CONVENTIONS.md)'),
  layer(['src/roster/**/*.ts'],
    ['**/store/**', '**/http/**', '**/sync/**', '**/credentials/**', '**/accounts/**', '**/audit/**', '**/lists/**', '**/jobs/**', '**/config*', '**/main*', '**/cli/**', 'kysely', 'hono'],
    'src/roster is the pure domain: it may use src/scim only'),
  layer(['src/store/**/*.ts'],
    ['**/http/**', '**/sync/**', '**/credentials/**', '**/accounts/**', '**/audit/**', '**/lists/**', '**/jobs/**', '**/config*', '**/main*', '**/cli/**', 'hono'],
    'src/store knows SQL, SCIM and the domain, never HTTP or the services above it'),
  {
    ...layer(['src/credentials/**/*.ts'],
    ['**/http/**', '**/store/**', '**/accounts/**', '**/audit/**', '**/lists/**', '**/jobs/**', '**/sync/**', '**/config*', '**/main*', '**/cli/**', 'hono', 'kysely'],
    'src/credentials (card design and print) is pure of storage and HTTP: it may use src/roster and src/scim only, and never reads config'),
    ignores: CREDENTIAL_SERVICES,
  },
  layer(['src/accounts/**/*.ts', 'src/audit/**/*.ts', 'src/lists/**/*.ts', 'src/jobs/**/*.ts', ...CREDENTIAL_SERVICES],
    ['**/http/**', '**/main*', '**/cli/**', 'hono'],
    'application services never import HTTP or the composition root'),
  layer(['src/email/**/*.ts', 'src/secrets/**/*.ts'],
    ['**/http/**', '**/main*', '**/cli/**', 'hono'],
    'src/email and src/secrets are domain services: they never import HTTP or the composition root'),
  layer(['src/http/**/*.ts'],
    ['**/main*', '**/cli/**', '**/config*'],
    'src/http gets its dependencies from createApp(deps); it never reads config or the composition root'),
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
