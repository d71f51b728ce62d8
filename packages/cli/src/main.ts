#!/usr/bin/env node
// The `vireo` command.
import { Command, CommanderError } from 'commander';
import fs from 'node:fs';
import { registerAdminCommands } from './commands/admin.js';
import { registerAnnotationCommands } from './commands/annotations.js';
import { registerAssetCommands } from './commands/assets.js';
import { registerDatasetCommands } from './commands/datasets.js';
import { registerExportCommands } from './commands/exports.js';
import { registerLoginCommands } from './commands/login.js';
import { registerServe } from './commands/serve.js';
import { registerSessionCommands } from './commands/sessions.js';
import { Interrupted } from './interrupt.js';
import { EXIT, reportError } from './output.js';

// Read here rather than imported from @vireo/server: client commands never load the server.
const VERSION: string = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

const program = new Command()
  .name('vireo')
  .description('Vireo: computer-vision datasets on your own machines.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerServe(program);
registerAdminCommands(program);
registerLoginCommands(program);
registerDatasetCommands(program);
registerAssetCommands(program);
registerSessionCommands(program);
registerAnnotationCommands(program);
registerExportCommands(program);

program.addHelpText(
  'after',
  `
Commands that talk to a server take --endpoint, --org and --key; without them they use the
environment (DATATURE_VI_API_ENDPOINT, DATATURE_VI_ORGANIZATION_ID, DATATURE_VI_SECRET_KEY),
then the login saved by \`vireo login\`. Add --json for output meant for scripts.
Exit codes: 0 everything succeeded, 1 something failed (e.g. some files), 2 usage error, 130 Ctrl-C.

Examples:
  $ vireo serve                          start the server on SQLite + ./.vireo, port 8080
  $ vireo login                          save the server URL, organization and key
  $ vireo datasets create --name Birds   create a dataset (prints its id)
  $ vireo assets upload <dataset> ./images
  $ vireo annotations upload <dataset> ./annotations.jsonl
  $ vireo download <dataset> ./data      export and unpack a training archive
  $ vireo orgs create --name "Acme"      add an organization (prints its first secret key)
`,
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof Interrupted) {
    // Open keep-alive sockets or timers of the aborted work must not keep the process around.
    process.exit(EXIT.interrupted);
  } else {
    process.exitCode = reportError(err);
  }
}
