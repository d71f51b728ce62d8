// `vireo orgs` and `vireo keys`: operator commands that act directly on the server's database
// (same --data-dir / --database-url / environment as `vireo serve`). They need no running server.
import type { Command } from 'commander';
import { formatTime, printJson, printTable } from '../output.js';
import { addServerDataOptions, configFrom } from './server-options.js';

export function registerAdminCommands(program: Command): void {
  const orgs = program.command('orgs').description('Manage organizations (operator command, acts on the server database)');
  addServerDataOptions(
    orgs
      .command('create')
      .description('Create an organization and its first secret key')
      .requiredOption('--name <name>', 'display name')
      .option('--id <id>', 'organization id (default: a new UUID)')
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ vireo orgs create --name "Acme Robotics"\n')
    .action(async (opts: { name: string; id?: string; json?: boolean } & Record<string, unknown>) => {
      const { admin } = await import('@vireo/server');
      const made = await admin.createOrganization(await configFrom(opts), { name: opts.name, id: opts.id });
      if (opts.json) {
        printJson(made);
        return;
      }
      process.stdout.write(
        `Created organization ${made.name}\n  Organization id:  ${made.organizationId}\n  Secret key:       ${made.secretKey}\n` +
          `This is the only time the secret key is shown.\n`,
      );
    });

  const keys = program.command('keys').description('Manage secret keys (operator command, acts on the server database)');
  addServerDataOptions(
    keys
      .command('create')
      .description('Create a secret key for an organization')
      .requiredOption('--org <id>', 'organization id')
      .option('--name <name>', 'a name to recognise the key by')
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ vireo keys create --org 4b0c… --name ci\n')
    .action(async (opts: { org: string; name?: string; json?: boolean } & Record<string, unknown>) => {
      const { admin } = await import('@vireo/server');
      const made = await admin.createKey(await configFrom(opts), opts.org, opts.name);
      if (opts.json) {
        printJson(made);
        return;
      }
      process.stdout.write(`Created key ${made.key.keyId} (${made.key.name})\n  Secret key: ${made.secretKey}\nThis is the only time the secret key is shown.\n`);
    });

  addServerDataOptions(
    keys.command('list').alias('ls').description("List an organization's secret keys").requiredOption('--org <id>', 'organization id').option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ vireo keys list --org 4b0c…\n')
    .action(async (opts: { org: string; json?: boolean } & Record<string, unknown>) => {
      const { admin } = await import('@vireo/server');
      const list = await admin.listKeys(await configFrom(opts), opts.org);
      if (opts.json) {
        printJson(list);
        return;
      }
      printTable(
        ['KEY ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
        list.map((k) => [k.keyId, k.name, `${k.prefix}…`, formatTime(k.createdAt), formatTime(k.lastUsedAt), formatTime(k.revokedAt)]),
      );
    });

  addServerDataOptions(
    keys.command('revoke').description('Revoke a secret key (not the last active one)').argument('<key-id>').requiredOption('--org <id>', 'organization id'),
  )
    .addHelpText('after', '\nExample:\n  $ vireo keys revoke 01hz… --org 4b0c…\n')
    .action(async (keyId: string, opts: { org: string } & Record<string, unknown>) => {
      const { admin } = await import('@vireo/server');
      await admin.revokeKey(await configFrom(opts), opts.org, keyId);
      process.stdout.write(`Revoked key ${keyId}. Servers stop accepting it within 10 seconds.\n`);
    });
}
