/**
 * `muster wallets …`: the installation's own Apple and Google Wallet credentials, set once by the
 * operator (issue 14, item 4). Every organisation issues passes under them unless it sets up its
 * own. The material is validated and sealed exactly as an organisation's (MUSTER_SECRET_KEY).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { buildMuster } from '../main.js';
import { UsageError } from '../lists/lists-service.js';
import { AppleWalletError } from '../credentials/apple/apple-wallet-settings.js';
import { WalletSettingsError } from '../credentials/google/google-wallet.js';
import { PassCertificateError } from '../credentials/apple/index.js';

export const WALLETS_HELP = `  muster wallets show [--json]                  the installation's wallet credentials (never the keys)
  muster wallets apple --certificate PEM --private-key PEM --wwdr PEM [--pass-type ID] [--team ID] [--json]
  muster wallets apple --p12 FILE [--p12-password-stdin] --wwdr PEM [--json]
                                                 the installation's Apple Pass Type ID certificate
  muster wallets google --issuer-id ID --key-file JSON [--class-suffix S] [--api-url URL] [--json]
                                                 the installation's Google Wallet issuer account
  muster wallets remove apple|google [--json]`;

type Out = (s: string) => void;
const CLI = { actor: 'cli' } as const;

const file = (path: string | undefined, flag: string): string | undefined => {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, flag === '--p12' ? 'base64' : 'utf8');
  } catch (err) {
    throw new UsageError('MUSTER_CLI_USAGE', `${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Exit codes as the rest of the CLI: 0 done, 1 usage or refused input. Refusals are written to `err`. */
export async function walletsCommand(config: Config, argv: readonly string[], out: Out, err: Out = (s) => process.stderr.write(s + '\n')): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      json: { type: 'boolean' }, certificate: { type: 'string' }, 'private-key': { type: 'string' }, wwdr: { type: 'string' },
      p12: { type: 'string' }, 'p12-password-stdin': { type: 'boolean' }, 'pass-type': { type: 'string' }, team: { type: 'string' },
      'issuer-id': { type: 'string' }, 'key-file': { type: 'string' }, 'class-suffix': { type: 'string' }, 'api-url': { type: 'string' }, 'token-url': { type: 'string' },
    },
  });
  const [sub, what] = positionals;
  const json = values.json === true;
  const muster = await buildMuster(config, undefined, false);
  try {
    if (sub === 'show') {
      const v = await muster.installationWallets.view();
      out(json ? JSON.stringify(v) : [
        `Apple Wallet:  ${v.apple.configured ? `${v.apple.passTypeIdentifier} (team ${v.apple.teamIdentifier}), certificate until ${v.apple.certificate?.notAfter.slice(0, 10)}` : 'not set'}`,
        ...(v.apple.warnings ?? []).map((w) => `  warning: ${w}`),
        `Google Wallet: ${v.google.configured ? `issuer ${v.google.issuerId}, service account ${v.google.serviceAccount.clientEmail}` : 'not set'}`,
      ].join('\n'));
      return 0;
    }
    if (sub === 'apple') {
      const body: Record<string, unknown> = {
        certificate: file(values.certificate, '--certificate'), privateKey: file(values['private-key'], '--private-key'), p12: file(values.p12, '--p12'),
        wwdrCertificate: file(values.wwdr, '--wwdr'), passTypeIdentifier: values['pass-type'], teamIdentifier: values.team,
        ...(values['p12-password-stdin'] ? { p12Password: await readStdin() } : {}),
      };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const v = await muster.installationWallets.putApple(body, CLI);
      out(json ? JSON.stringify(v) : `The installation's Apple Wallet certificate is set: ${v.passTypeIdentifier} (team ${v.teamIdentifier}). Organisations without their own issue passes under it.`);
      return 0;
    }
    if (sub === 'google') {
      const key = file(values['key-file'], '--key-file');
      if (!key) throw new UsageError('MUSTER_CLI_USAGE', 'missing --key-file: the service account key (JSON) of the Google Wallet issuer account');
      const body: Record<string, unknown> = {
        issuerId: values['issuer-id'], serviceAccountKey: key, classSuffix: values['class-suffix'], apiUrl: values['api-url'], tokenUrl: values['token-url'],
      };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const v = await muster.installationWallets.putGoogle(body, CLI);
      out(json ? JSON.stringify(v) : `The installation's Google Wallet issuer ${v.configured ? v.issuerId : ''} is set. Organisations without their own issue passes under it.`);
      return 0;
    }
    if (sub === 'remove' && (what === 'apple' || what === 'google')) {
      if (what === 'apple') await muster.installationWallets.removeApple(CLI);
      else await muster.installationWallets.removeGoogle(CLI);
      out(json ? JSON.stringify({ removed: what }) : `The installation's ${what === 'apple' ? 'Apple' : 'Google'} Wallet credentials are removed.`);
      return 0;
    }
    throw new UsageError('MUSTER_CLI_USAGE', `unknown command "wallets ${positionals.join(' ')}"\n\n${WALLETS_HELP}`);
  } catch (e) {
    if (e instanceof AppleWalletError || e instanceof WalletSettingsError || e instanceof PassCertificateError) {
      err(`muster: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await muster.close();
  }
}
