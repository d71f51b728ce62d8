// `vireo login`, `vireo logout`, `vireo whoami`.
import type { Command } from 'commander';
import { Client } from '@vireo/sdk/node';
import { DEFAULT_ENDPOINT, clientFrom } from '../client.js';
import { addCredentialOptions, ENV, resolveCredentials, type CredentialFlags } from '../config/credentials.js';
import { CorruptLoginError, loginFile, readLogin, removeLogin, writeLogin } from '../config/login-store.js';
import { printFields, printJson, UsageError } from '../output.js';
import { ask } from '../prompt.js';

const maskKey = (key: string) => `${key.slice(0, 9)}…${key.slice(-4)}`;

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('Check credentials against a server and save them for the next commands')
    .option('--endpoint <url>', `server URL (default: env ${ENV.endpoint}, the saved login, or ${DEFAULT_ENDPOINT})`)
    .option('--org <id>', `organization id (default: env ${ENV.organizationId}; asked when missing)`)
    .option('--key <secret>', `secret key (default: env ${ENV.secretKey}; asked when missing, without echo)`)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
The login is saved in $XDG_CONFIG_HOME/vireo/credentials.json (else ~/.config/vireo/credentials.json),
readable only by you (mode 0600). Flags and the DATATURE_VI_* environment variables still win over it.

Examples:
  $ vireo login                                  asks for the organization id and the secret key
  $ vireo login --endpoint https://vireo.example.com --org 4b0c… --key dtvi_…
  $ DATATURE_VI_SECRET_KEY=dtvi_… vireo login --org 4b0c…
`,
    )
    .action(async (opts: CredentialFlags & { json?: boolean }) => {
      // A damaged saved login is what this command replaces: it only loses its defaults.
      let saved: ReturnType<typeof readLogin>;
      try {
        saved = readLogin();
      } catch (err) {
        if (!(err instanceof CorruptLoginError)) throw err;
      }
      const interactive = Boolean(process.stdin.isTTY);
      let endpoint = opts.endpoint ?? (process.env[ENV.endpoint] || undefined);
      let org = opts.org ?? (process.env[ENV.organizationId] || undefined);
      let key = opts.key ?? (process.env[ENV.secretKey] || undefined);
      if (!org || !key) {
        if (!interactive) throw new UsageError(`give --org and --key (or ${ENV.organizationId} and ${ENV.secretKey}) when not at a terminal`);
        endpoint ??= await ask('Server URL', { defaultValue: saved?.endpoint ?? DEFAULT_ENDPOINT });
        org ??= await ask('Organization id', { defaultValue: saved?.organizationId });
        key ??= await ask('Secret key', { hidden: true });
      }
      endpoint ??= saved?.endpoint ?? DEFAULT_ENDPOINT;
      if (!org || !key) throw new UsageError('an organization id and a secret key are needed');

      let client: Client;
      try {
        client = new Client({ endpoint, organizationId: org, secretKey: key });
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const organization = await client.organizations.get();
      const file = writeLogin({ endpoint, organizationId: org, secretKey: key, savedAt: Date.now() });
      if (opts.json) {
        printJson({ endpoint, organizationId: org, organizationName: organization.name, file });
        return;
      }
      process.stdout.write(`Logged in to ${endpoint} as organization ${organization.name} (${org}).\nSaved in ${file}\n`);
    });

  program
    .command('logout')
    .description('Forget the saved login')
    .addHelpText('after', '\nExample:\n  $ vireo logout\n')
    .action(() => {
      const file = loginFile();
      process.stdout.write(removeLogin() ? `Removed ${file}\n` : `Not logged in (no ${file}).\n`);
    });

  addCredentialOptions(program.command('whoami').description('Show which server, organization and key commands use, and check them'))
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ vireo whoami\n  $ vireo whoami --json\n')
    .action(async (opts: CredentialFlags & { json?: boolean }) => {
      const resolved = resolveCredentials(opts);
      const client = clientFrom(opts);
      const organization = await client.organizations.get();
      const endpoint = resolved.endpoint ?? DEFAULT_ENDPOINT;
      const from = (s: string | undefined) => (s ? ` (from ${s === 'login' ? 'vireo login' : s})` : ' (default)');
      if (opts.json) {
        printJson({
          endpoint,
          organizationId: resolved.organizationId,
          organizationName: organization.name,
          key: maskKey(resolved.secretKey!),
          sources: { endpoint: resolved.sources.endpoint ?? 'default', ...resolved.sources },
        });
        return;
      }
      printFields([
        ['Server', `${endpoint}${from(resolved.sources.endpoint)}`],
        ['Organization', `${organization.name} (${resolved.organizationId})${from(resolved.sources.organizationId)}`],
        ['Secret key', `${maskKey(resolved.secretKey!)}${from(resolved.sources.secretKey)}`],
      ]);
    });
}
