// `vireo assets ls|get|rm|upload|download`.
import type { Command } from 'commander';
import type { Asset, SortCriterion } from '@vireo/sdk';
import { clientFrom } from '../client.js';
import { oneOf, positiveInt } from '../options.js';
import { EXIT, formatBytes, formatTime, printFields, printJson, printTable, UsageError } from '../output.js';
import { confirm, serverCommand, type ServerOpts } from './common.js';
import { registerAssetDownload, registerAssetUpload } from './transfer.js';

const SORTS = ['default', 'assetId', 'filename', 'lastModified.contents', 'metadata.fileSize'] as const;

type ListOpts = ServerOpts & {
  limit: number;
  all?: boolean;
  sort?: SortCriterion;
  desc?: boolean;
  filter?: string;
  metadataQuery?: string;
};

export function registerAssetCommands(program: Command): void {
  const assets = program.command('assets').alias('asset').description('List, inspect, delete, upload and download the assets of a dataset');

  serverCommand(assets, 'ls <dataset>', 'List the assets of a dataset (the first 100 unless --limit or --all)', [
    'vireo assets ls 0f3c…',
    'vireo assets ls 0f3c… --sort metadata.fileSize --desc --limit 10',
    `vireo assets ls 0f3c… --metadata-query 'width > 1000' --all --json`,
  ])
    .alias('list')
    .option('--limit <n>', 'show at most n assets', positiveInt(), 100)
    .option('--all', 'show every asset (overrides --limit)')
    .option('--sort <criterion>', SORTS.join(' | '), oneOf(SORTS))
    .option('--desc', 'sort in descending order')
    .option('--filter <expression>', 'filter expression (docs/query-language.md)')
    .option('--metadata-query <query>', 'custom metadata query (docs/query-language.md)')
    .action(async (datasetId: string, opts: ListOpts) => {
      const client = clientFrom(opts);
      const limit = opts.all ? Infinity : opts.limit;
      const pages = client.assets.list({
        datasetId,
        pagination: { pageSize: Math.min(1000, Number.isFinite(limit) ? limit : 1000) },
        sortBy: opts.sort ? { criterion: opts.sort, order: opts.desc ? 'desc' : 'asc' } : undefined,
        filterCriteria: opts.filter,
        metadataQuery: opts.metadataQuery,
      });
      const items: Asset[] = [];
      let more = false;
      for await (const a of pages.allItems()) {
        if (items.length >= limit) {
          more = true;
          break;
        }
        items.push(a);
      }
      // On stderr, so --json output stays a clean array.
      if (more) process.stderr.write(`(first ${items.length} shown; use --limit <n> or --all for more)\n`);
      if (opts.json) return printJson(items);
      printTable(
        ['ASSET ID', 'FILENAME', 'KIND', 'SIZE', 'DIMENSIONS', 'ANNOTATIONS', 'UPLOADED'],
        items.map((a) => [
          a.assetId,
          a.filename,
          a.kind,
          formatBytes(a.metadata.fileSize),
          a.metadata.width && a.metadata.height ? `${a.metadata.width}x${a.metadata.height}` : '-',
          String(a.metadata.annotations.total),
          formatTime(a.metadata.timeCreated),
        ]),
      );
    });

  serverCommand(assets, 'get <dataset> <asset>', 'Show one asset', ['vireo assets get 0f3c… 9a1b…', 'vireo assets get 0f3c… 9a1b… --url'])
    .alias('show')
    .option('--url', 'include a signed download URL')
    .action(async (datasetId: string, assetId: string, opts: ServerOpts & { url?: boolean }) => {
      const a = await clientFrom(opts).assets.get({ datasetId, assetId, contents: opts.url });
      if (opts.json) return printJson(a);
      const m = a.metadata;
      const fields: Array<[string, string]> = [
        ['Asset id', a.assetId],
        ['Filename', a.filename],
        ['Kind', a.kind],
        ['MIME type', m.mimeType],
        ['Size', `${formatBytes(m.fileSize)} (${m.fileSize} bytes)`],
        ['Dimensions', m.width && m.height ? `${m.width}x${m.height}` : '-'],
        ['Frames', String(m.frames)],
        ['Annotations', String(m.annotations.total)],
        ['CRC32C', m.hash?.contents ?? '-'],
        ['Uploaded', formatTime(m.timeCreated)],
      ];
      const custom = Object.entries(m.customMetadata ?? {});
      if (custom.length) fields.push(['Custom metadata', custom.map(([k, v]) => `${k}=${String(v)}`).join(', ')]);
      if (a.contents?.asset) fields.push(['Download URL', a.contents.asset.url]);
      printFields(fields);
    });

  serverCommand(assets, 'rm <dataset> [assets...]', 'Delete assets (and their annotations): by id, or every asset a query selects', [
    'vireo assets rm 0f3c… 9a1b… 77d0… --yes',
    `vireo assets rm 0f3c… --metadata-query 'metadata.annotations.total == 0' --yes`,
    `vireo assets rm 0f3c… --filter '{"filename": "blurry.jpg"}' --yes`,
  ])
    .alias('delete')
    .option('--filter <expression>', 'delete every asset this filter selects (docs/query-language.md)')
    .option('--metadata-query <query>', 'delete every asset this query selects (docs/query-language.md)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (datasetId: string, assetIds: string[], opts: ServerOpts & { yes?: boolean; filter?: string; metadataQuery?: string }) => {
      const byQuery = opts.filter !== undefined || opts.metadataQuery !== undefined;
      if (byQuery && assetIds.length > 0) throw new UsageError('give asset ids or --filter/--metadata-query, not both');
      if (!byQuery && assetIds.length === 0) throw new UsageError('give the ids of the assets to delete, or --filter/--metadata-query');
      const client = clientFrom(opts);
      if (byQuery) {
        await confirm(`delete every asset of dataset ${datasetId} that the query selects`, opts.yes);
        const session = await client.datasets.bulkDeleteAssets({ datasetId, filterCriteria: opts.filter, metadataQuery: opts.metadataQuery });
        if (opts.json) return printJson(session);
        process.stdout.write(`Deleted the selected assets of dataset ${datasetId} (deletion session ${session.deleteManyAssetsSessionId}).\n`);
        return;
      }
      await confirm(`delete ${assetIds.length} asset${assetIds.length === 1 ? '' : 's'} of dataset ${datasetId}`, opts.yes);
      const results: Array<{ assetId: string; deleted: boolean; error?: string }> = [];
      for (const assetId of assetIds) {
        try {
          await client.assets.delete({ datasetId, assetId });
          results.push({ assetId, deleted: true });
        } catch (err) {
          results.push({ assetId, deleted: false, error: err instanceof Error ? err.message : String(err) });
        }
      }
      const failed = results.filter((r) => !r.deleted);
      if (opts.json) printJson(results);
      else {
        for (const r of results) if (r.deleted) process.stdout.write(`Deleted ${r.assetId}\n`);
        for (const r of failed) process.stderr.write(`error: ${r.assetId}: ${r.error}\n`);
      }
      if (failed.length > 0) process.exitCode = EXIT.failed;
    });

  registerAssetUpload(assets);
  registerAssetDownload(assets);
}
