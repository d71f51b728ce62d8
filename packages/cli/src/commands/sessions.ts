// `vireo sessions wait <dataset> <session>`: wait for an asset ingestion session (e.g. one started
// by `vireo assets upload --no-wait`) and report how it ended.
import type { Command } from 'commander';
import type { AssetIngestionSession } from '@vireo/sdk';
import { clientFrom } from '../client.js';
import { interruptible } from '../interrupt.js';
import { positiveInt } from '../options.js';
import { EXIT, printFailedFiles, printFields, printJson } from '../output.js';
import { serverCommand, type ServerOpts } from './common.js';

export function registerSessionCommands(program: Command): void {
  const sessions = program.command('sessions').alias('session').description('Asset upload (ingestion) sessions');

  serverCommand(sessions, 'wait <dataset> <session>', 'Wait until an upload session has finished and show how it ended', [
    'vireo sessions wait 0f3c… 5d2e…',
    'vireo sessions wait 0f3c… 5d2e… --timeout 600 --json',
  ])
    .option('--timeout <seconds>', 'give up after this many seconds (exit 1)', positiveInt())
    .addHelpText('after', '\nExit code 0 when every file of the session succeeded, 1 when some failed.\n')
    .action(async (datasetId: string, sessionId: string, opts: ServerOpts & { timeout?: number }) => {
      const client = clientFrom(opts);
      const session = await interruptible(
        (signal) =>
          client.assets.waitUntilDone({
            datasetId,
            assetIngestionSessionId: sessionId,
            signal,
            timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
          }),
        'The session goes on on the server; wait again with the same command.',
      );
      printSession(session, opts.json);
      if (session.status.progressCount.errored > 0) process.exitCode = EXIT.failed;
    });
}

export function printSession(session: AssetIngestionSession, json: boolean | undefined): void {
  if (json) return printJson(session);
  const p = session.status.progressCount;
  printFields([
    ['Session', session.assetIngestionSessionId],
    ['Dataset', session.datasetId],
    ['Finished', session.isFinished ? 'yes' : 'no'],
    ['Files', String(p.total)],
    ['Succeeded', String(p.succeeded)],
    ['Failed', String(p.errored)],
  ]);
  printFailedFiles([...session.failedFiles].map(([f, code]) => [f, code]));
}
