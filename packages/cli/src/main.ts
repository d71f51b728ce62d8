#!/usr/bin/env node
// The `vireo` command.
import { Command, CommanderError } from 'commander';
import { VERSION } from '@vireo/server';
import { registerAdminCommands } from './commands/admin.js';
import { registerServe } from './commands/serve.js';
import { EXIT, reportError } from './output.js';

const program = new Command()
  .name('vireo')
  .description('Vireo: computer-vision datasets on your own machines.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerServe(program);
registerAdminCommands(program);

program.addHelpText(
  'after',
  `
Examples:
  $ vireo serve                          start the server on SQLite + ./.vireo, port 8080
  $ vireo serve --port 9000 --data-dir /srv/vireo
  $ vireo orgs create --name "Acme"      add an organization (prints its first secret key)
  $ vireo keys create --org <org-id>     add a secret key to an organization
`,
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.exitCode = reportError(err);
  }
}
