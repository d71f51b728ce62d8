// `vireo annotations upload|ls|rm`.
import type { Command } from 'commander';
import type { Annotation } from '@vireo/sdk';
import { clientFrom } from '../client.js';
import { EXIT, printJson, printTable } from '../output.js';
import { confirm, serverCommand, type ServerOpts } from './common.js';
import { registerAnnotationUpload } from './transfer.js';

const short = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function describe(a: Annotation): string {
  const c = a.spec.contents;
  if (c.kind === 'Caption') return short(JSON.stringify(c.contents ?? ''));
  return `box ${c.bound.map((p) => `(${p.map((v) => +v.toFixed(3)).join(',')})`).join(' ')} → chars ${c.target[0]}-${c.target[1]}`;
}

export function registerAnnotationCommands(program: Command): void {
  const annotations = program.command('annotations').alias('annotation').description('Import, list and delete annotations');

  registerAnnotationUpload(annotations);

  serverCommand(annotations, 'ls <dataset> <asset>', "List an asset's annotations", [
    'vireo annotations ls 0f3c… 9a1b…',
    'vireo annotations ls 0f3c… 9a1b… --json',
  ])
    .alias('list')
    .action(async (datasetId: string, assetId: string, opts: ServerOpts) => {
      const client = clientFrom(opts);
      const items: Annotation[] = [];
      for await (const a of client.annotations.list({ datasetId, assetId, pagination: { pageSize: 1000 } }).allItems()) items.push(a);
      if (opts.json) return printJson(items);
      printTable(
        ['ANNOTATION ID', 'KIND', 'GROUP', 'CONTENTS'],
        items.map((a) => [a.annotationId, a.spec.contents.kind, a.spec.aggregation.whole.id, describe(a)]),
      );
    });

  serverCommand(annotations, 'rm <dataset> <asset> <annotations...>', 'Delete annotations of an asset', [
    'vireo annotations rm 0f3c… 9a1b… 41c7… --yes',
  ])
    .alias('delete')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (datasetId: string, assetId: string, annotationIds: string[], opts: ServerOpts & { yes?: boolean }) => {
      const client = clientFrom(opts);
      await confirm(`delete ${annotationIds.length} annotation${annotationIds.length === 1 ? '' : 's'} of asset ${assetId}`, opts.yes);
      const results: Array<{ annotationId: string; deleted: boolean; error?: string }> = [];
      for (const annotationId of annotationIds) {
        try {
          await client.annotations.delete({ datasetId, assetId, annotationId });
          results.push({ annotationId, deleted: true });
        } catch (err) {
          results.push({ annotationId, deleted: false, error: err instanceof Error ? err.message : String(err) });
        }
      }
      const failed = results.filter((r) => !r.deleted);
      if (opts.json) printJson(results);
      else {
        for (const r of results) if (r.deleted) process.stdout.write(`Deleted ${r.annotationId}\n`);
        for (const r of failed) process.stderr.write(`error: ${r.annotationId}: ${r.error}\n`);
      }
      if (failed.length > 0) process.exitCode = EXIT.failed;
    });
}
