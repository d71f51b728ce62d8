// `vireo datasets ls|create|get|rm`.
import type { Command } from 'commander';
import type { Dataset } from '@vireo/sdk';
import { clientFrom } from '../client.js';
import { oneOf } from '../options.js';
import { formatTime, printFields, printJson, printTable } from '../output.js';
import { confirm, serverCommand, type ServerOpts } from './common.js';

const TYPES = ['phrase-grounding', 'vqa'] as const;

export function registerDatasetCommands(program: Command): void {
  const datasets = program
    .command('datasets')
    .alias('dataset')
    .description("List, create, inspect and delete the organization's datasets");

  serverCommand(datasets, 'ls', 'List datasets', ['vireo datasets ls', 'vireo datasets ls --json | jq -r ".[].datasetId"'])
    .alias('list')
    .action(async (opts: ServerOpts) => {
      const client = clientFrom(opts);
      const all: Dataset[] = [];
      for await (const d of client.datasets.list().allItems()) all.push(d);
      if (opts.json) return printJson(all);
      printTable(
        ['DATASET ID', 'NAME', 'TYPE', 'ASSETS', 'ANNOTATIONS', 'CREATED'],
        all.map((d) => [d.datasetId, d.name, d.type, String(d.statistic.assetTotal), String(d.statistic.annotationTotal), formatTime(d.createDate)]),
      );
    });

  serverCommand(datasets, 'create', 'Create a dataset', [
    'vireo datasets create --name Birds',
    'vireo datasets create --name "Shelf QA" --type vqa --description "questions about shelves"',
    'DATASET=$(vireo datasets create --name Birds --json | jq -r .datasetId)',
  ])
    .requiredOption('--name <name>', 'display name')
    .option('--type <type>', `${TYPES.join(' | ')} (default phrase-grounding)`, oneOf(TYPES))
    .option('--description <text>', 'a description')
    .action(async (opts: ServerOpts & { name: string; type?: (typeof TYPES)[number]; description?: string }) => {
      const d = await clientFrom(opts).datasets.create({ name: opts.name, type: opts.type, description: opts.description });
      if (opts.json) return printJson(d);
      process.stdout.write(`Created dataset ${d.name}\n  Dataset id:  ${d.datasetId}\n`);
    });

  serverCommand(datasets, 'get <dataset>', 'Show a dataset and its statistics', ['vireo datasets get 0f3c…', 'vireo datasets get 0f3c… --json'])
    .alias('show')
    .action(async (datasetId: string, opts: ServerOpts) => {
      const d = await clientFrom(opts).datasets.get({ datasetId });
      if (opts.json) return printJson(d);
      const tags = Object.entries(d.statistic.tagsCount);
      printFields([
        ['Dataset id', d.datasetId],
        ['Name', d.name],
        ['Type', d.type],
        ['Description', d.description ?? '-'],
        ['Assets', String(d.statistic.assetTotal)],
        ['Annotated assets', String(d.statistic.assetAnnotated)],
        ['Annotations', String(d.statistic.annotationTotal)],
        ['Tags', tags.length ? tags.map(([t, n]) => `${t} (${n})`).join(', ') : '-'],
        ['Created', formatTime(d.createDate)],
      ]);
    });

  serverCommand(datasets, 'rm <dataset>', 'Delete a dataset with its assets and annotations', ['vireo datasets rm 0f3c… --yes'])
    .alias('delete')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (datasetId: string, opts: ServerOpts & { yes?: boolean }) => {
      const client = clientFrom(opts);
      await confirm(`delete dataset ${datasetId} and everything in it`, opts.yes);
      const deleted = await client.datasets.delete({ datasetId });
      if (opts.json) return printJson(deleted);
      process.stdout.write(`Deleted dataset ${datasetId}. Its files are removed in the background.\n`);
    });
}
