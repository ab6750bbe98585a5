/**
 * The `muster` command's help: one entry per command, so `muster lists create --help` shows that
 * command alone, `muster lists --help` its group, and `muster --help` the overview. docs/cli.md
 * says the same at more length; keep the two in step.
 */

export interface CommandHelp {
  /** `lists create`: the words that name the command. */
  readonly name: string;
  /** The flags, in the order they are usually given. */
  readonly synopsis: string;
  /** One line for the overview. */
  readonly summary: string;
  /** Flag by flag, and anything else worth knowing; empty when the synopsis says it all. */
  readonly details: readonly string[];
}

const JSON_FLAG = '--json                  print the result as one JSON value on stdout (errors: JSON on stderr)';

export const COMMANDS: readonly CommandHelp[] = [
  {
    name: 'serve', synopsis: '[--port N] [--host H]', summary: 'start the server (SCIM, admin API, web app)',
    details: [
      '--port N                the port (default PORT, else 8080; 0 picks a free one)',
      '--host H                the address to listen on (default HOST, else 127.0.0.1)',
      'On an empty database it creates a demo list and prints its SCIM base URL, token and an',
      '"export BASE=… TOKEN=…" line for a shell (MUSTER_DEMO=false turns that off).',
      'Exits 2 with MUSTER_PORT_IN_USE when the port is taken.',
      'SIGTERM or SIGINT: stops accepting, finishes requests and jobs in flight for up to',
      'MUSTER_SHUTDOWN_GRACE_SECONDS (25), hands back what it still holds, and exits 0.',
    ],
  },
  {
    name: 'lists create', synopsis: '--name NAME [--uid employeeNumber|userName|email] [--org ORG] [--sync scim|none] [--external-id-unique true|false] [--json]',
    summary: 'create a list (with SCIM, prints its base URL and first token)',
    details: [
      '--name NAME             the list\'s name',
      '--uid ATTRIBUTE         what identifies a person: employeeNumber, userName (the default) or email;',
      '                        it can be changed with lists configure --uid while the list has no people',
      '--org ORG               the organisation, by name or id (created when new; needed when there are several)',
      '--sync scim|none        scim (default): an IdP pushes people; none: CSV imports only',
      '--external-id-unique    true (default) or false: whether two people may share an externalId',
      JSON_FLAG,
    ],
  },
  {
    name: 'lists configure', synopsis: '--list ID [--name NAME] [--strict true|false] [--uid employeeNumber|userName|email] [--json]  |  --list ID --sync none|scim [--json]',
    summary: 'rename a list, switch strict mode, change its unique identifier (while empty) or its sync method',
    details: [
      '--list ID               the list (muster lists list shows ids)',
      '--name NAME             a new name',
      '--strict true|false     refuse IdP dialects instead of normalising them (docs/scim.md)',
      '--uid ATTRIBUTE         employeeNumber, userName or email; only while the list has no people',
      '--sync none|scim        on its own: none revokes the list\'s tokens; scim prints a new token',
      JSON_FLAG,
    ],
  },
  { name: 'lists list', synopsis: '[--json]', summary: 'every list with its SCIM base URL', details: [JSON_FLAG] },
  {
    name: 'lists compact', synopsis: '[--list ID] [--wait] [--json]', summary: 'rewrite people stored by an older version in the current, smaller form (values unchanged)',
    details: [
      '--list ID               one list (default: every list with people)',
      '--wait                  work the jobs here and wait for their end (exit 3 when one fails); then VACUUM with Muster stopped gives the space back',
      JSON_FLAG,
    ],
  },
  {
    name: 'tokens create', synopsis: '--list ID [--label LABEL] [--json]', summary: 'a new SCIM bearer token (shown once)',
    details: ['--list ID               the list', '--label LABEL           a name for the token, e.g. "Okta production"', JSON_FLAG],
  },
  { name: 'tokens list', synopsis: '--list ID [--json]', summary: 'a list\'s tokens (never their secrets)', details: ['--list ID               the list', JSON_FLAG] },
  {
    name: 'tokens revoke', synopsis: '--list ID --token TOKEN_ID [--json]', summary: 'revoke a token at once',
    details: ['--list ID               the list', '--token TOKEN_ID        the token\'s id (muster tokens list shows ids)', JSON_FLAG],
  },
  {
    name: 'entra connect', synopsis: '--list ID --tenant T --client C --secret-stdin --groups G1,G2 [--schedule manual|15m|hourly|daily] [--sync-photos] [--authority URL] [--graph URL] [--json]',
    summary: 'pull a list from Microsoft Entra ID instead of SCIM',
    details: [
      '--list ID               the list',
      '--tenant T --client C   the Entra tenant id and the app registration\'s client id',
      '--secret-stdin          read the client secret from stdin (kept out of the shell history)',
      '--groups G1,G2          the ids of the groups whose members are synced',
      '--schedule S            manual, 15m, hourly or daily',
      '--sync-photos           also sync profile photos',
      '--authority/--graph URL other identity-platform and Graph URLs (MUSTER_ENTRA_CUSTOM_ENDPOINTS)',
      'Needs MUSTER_SECRET_KEY (docs/entra-sync.md).',
      JSON_FLAG,
    ],
  },
  { name: 'entra test', synopsis: '--list ID [--json]', summary: 'which users and groups the app can read (exit 3 when not ok)', details: ['--list ID               the list', JSON_FLAG] },
  {
    name: 'entra sync', synopsis: '--list ID [--wait] [--json]', summary: 'queue a run (and wait for it, showing progress)',
    details: ['--list ID               the list', '--wait                  work the run here and wait for its end (exit 3 when it fails)', JSON_FLAG],
  },
  { name: 'entra runs', synopsis: '--list ID [--json]', summary: 'run history with outcomes', details: ['--list ID               the list', JSON_FLAG] },
  {
    name: 'secrets rotate', synopsis: '[--json]', summary: 're-encrypt the stored secrets under a new secret key',
    details: [
      'With the key file: writes a new key, keeps the old one as MUSTER_SECRET_KEY_PREVIOUS until done.',
      'With MUSTER_SECRET_KEY: set the new key and MUSTER_SECRET_KEY_PREVIOUS (the old one) on every node first.',
      'See docs/configuration.md, "The secret key".',
      JSON_FLAG,
    ],
  },
  {
    name: 'audit verify', synopsis: '[--list ID] [--json]', summary: 'check each list\'s hash chain; names the first bad event (exit 3)',
    details: ['--list ID               one list (default: every list)', JSON_FLAG],
  },
  { name: 'audit prune', synopsis: '[--json]', summary: 'apply MUSTER_AUDIT_RETENTION_DAYS, the request-log and MUSTER_EVENTS_RETENTION_DAYS (outbox events) retention now', details: [JSON_FLAG] },
  {
    name: 'backup', synopsis: '--to FILE [--json]', summary: 'an online backup of a SQLite installation, with its secret key file, into one archive',
    details: [
      '--to FILE               the archive to write (a tar file, mode 0600; replaced if it exists)',
      'Runs while the server serves (SQLite\'s online backup API): the copy is the database at one',
      'moment. The archive holds muster.sqlite, secret.key (unless the key is MUSTER_SECRET_KEY) and',
      'muster-backup.json. PostgreSQL: use pg_dump --format=custom (docs/operations.md#backups).',
      JSON_FLAG,
    ],
  },
  {
    name: 'restore', synopsis: 'FILE [--json]', summary: 'replace the SQLite database (and key file) with a backup, once its audit trail verifies',
    details: [
      'FILE                    an archive made by muster backup',
      'Refused while anything has the database open (stop every node first). The backup is',
      'extracted, migrated, its audit chains verified and its key checked before it replaces',
      'anything; the database it replaces is kept beside it (.before-restore-<time>).',
      'Exit 3 when the audit trail does not verify (nothing restored).',
      JSON_FLAG,
    ],
  },
  {
    name: 'admin-keys create', synopsis: '[--org ORG] [--label LABEL] [--json]', summary: 'an admin API key (shown once)',
    details: ['--org ORG               the organisation (may be left out when there is one)', '--label LABEL           a name for the key', JSON_FLAG],
  },
  {
    name: 'admins create', synopsis: '--email EMAIL --name NAME [--role owner|admin|viewer] [--org ORG] [--password-stdin] [--json]',
    summary: 'a web app account (a password is generated and shown once)',
    details: [
      '--email EMAIL --name NAME',
      '--role ROLE             owner, admin or viewer; the first account is the owner unless this says otherwise',
      '--org ORG               an existing organisation (may be left out when there is one)',
      '--password-stdin        read the password from stdin instead of generating one',
      JSON_FLAG,
    ],
  },
  { name: 'admins list', synopsis: '[--org ORG] [--json]', summary: 'the organisation\'s web app accounts', details: ['--org ORG               the organisation (may be left out when there is one)', JSON_FLAG] },
  { name: 'admins unlock', synopsis: '--email EMAIL [--json]', summary: 'forget failed sign-ins, lifting the sign-in backoff from every address', details: [JSON_FLAG] },
  {
    name: 'admins reset-password', synopsis: '--email EMAIL [--password-stdin] [--json]', summary: 'a new password (ends the account\'s sessions); with single sign-on and passwords off, it signs an owner in once within the hour (break-glass)',
    details: ['--password-stdin        read the password from stdin instead of generating one', JSON_FLAG],
  },
  {
    name: 'admins installation-owner', synopsis: '--email EMAIL [--json]', summary: 'make an owner account the installation\'s owner (sets its wallet credentials in the web app)',
    details: [JSON_FLAG],
  },
  { name: 'wallets show', synopsis: '[--json]', summary: 'the installation\'s own wallet credentials (never the keys)', details: [JSON_FLAG] },
  {
    name: 'wallets apple', synopsis: '--certificate PEM --private-key PEM --wwdr PEM [--pass-type ID] [--team ID] [--json]  |  --p12 FILE [--p12-password-stdin] --wwdr PEM [--json]',
    summary: 'the installation\'s Apple Pass Type ID certificate, used by every organisation without its own',
    details: ['--certificate, --private-key, --wwdr PEM files; or --p12 FILE (its password from stdin)', 'Needs the secret key (docs/configuration.md); docs/apple-wallet.md says how to get the certificate.', JSON_FLAG],
  },
  {
    name: 'wallets google', synopsis: '--issuer-id ID --key-file JSON [--class-suffix S] [--api-url URL] [--json]',
    summary: 'the installation\'s Google Wallet issuer account, used by every organisation without its own',
    details: ['--issuer-id ID          the Google Wallet issuer id', '--key-file JSON         the service account key file', JSON_FLAG],
  },
  { name: 'wallets remove', synopsis: 'apple|google [--json]', summary: 'remove the installation\'s Apple or Google credentials', details: [JSON_FLAG] },
];

const FOOTER = `The database is MUSTER_DATABASE_URL: a SQLite file path (default ./data/muster.sqlite)
or a postgres:// URL. Every variable: docs/configuration.md. Exit codes and error codes: docs/errors.md.`;

/** `muster --help`: one line per command. */
export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'muster: keeps ID-credential rosters in sync with your identity provider (SCIM 2.0)',
    '',
    'Usage: muster COMMAND [flags]      muster COMMAND --help shows a command\'s flags',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    FOOTER,
  ].join('\n');
}

/** The one-line usage of a command, for an error's context. */
export const usageLine = (c: CommandHelp): string => `usage: muster ${c.name} ${c.synopsis}`;

/** Help for the words given: one command, a group (`lists`), or undefined when nothing matches. */
export function helpFor(words: readonly string[]): string | undefined {
  const name = words.join(' ');
  const one = COMMANDS.find((c) => c.name === name);
  if (one) return [usageLine(one), '', one.summary, ...(one.details.length ? ['', ...one.details.map((d) => `  ${d}`)] : [])].join('\n');
  const group = COMMANDS.filter((c) => c.name.split(' ')[0] === words[0]);
  if (words.length === 1 && group.length) {
    return [`usage: muster ${words[0]} SUBCOMMAND [flags]      muster ${words[0]} SUBCOMMAND --help shows its flags`, '', ...group.map((c) => `  muster ${c.name} ${c.synopsis}\n      ${c.summary}`)].join('\n');
  }
  return undefined;
}

/** The command the words name, if any (`lists create`), for usage errors. */
export const commandFor = (words: readonly string[]): CommandHelp | undefined => COMMANDS.find((c) => c.name === words.slice(0, c.name.split(' ').length).join(' '));
