// `vireo export <dataset>` (make a training archive) and `vireo download <dataset> <dir>` (make one
// and unpack it), plus `vireo exports ls|get`.
import type { Command } from 'commander';
import type { DatasetExport, DatasetExportFormat } from '@vireo/sdk';
import { clientFrom } from '../client.js';
import { interruptible } from '../interrupt.js';
import { oneOf, ratio } from '../options.js';
import { formatTime, printFields, printJson, printTable } from '../output.js';
import { serverCommand, type ServerOpts } from './common.js';
import { registerDatasetDownload } from './transfer.js';

export const FORMATS = ['ViFull', 'ViJsonl'] as const;

export interface ExportFlags {
  format?: DatasetExportFormat;
  split?: number;
  normalized?: boolean;
}

/** --format, --split, --normalized/--no-normalized (shared by `export` and `download`). */
export function addExportOptions(cmd: Command): Command {
  return cmd
    .option('--format <format>', 'ViFull (images + annotations) | ViJsonl (annotations only); default ViFull', oneOf(FORMATS))
    .option('--split <ratio>', 'training fraction, e.g. 0.8 → training/ + validation/ (default: one dump/ split)', ratio)
    .option('--normalized', 'coordinates from 0 to 1 (the default)')
    .option('--no-normalized', 'coordinates in pixels');
}

export const exportSettings = (o: ExportFlags) => ({
  format: o.format,
  options: { normalized: o.normalized, splitRatio: o.split ?? null },
});

function exportState(e: DatasetExport): string {
  if (e.status.conditions.some((c) => c.status === 'FailedReach')) return 'failed';
  return e.isReady ? 'ready' : 'running';
}

function printExport(e: DatasetExport): void {
  printFields([
    ['Export id', e.datasetExportId],
    ['Dataset', e.datasetId],
    ['Format', e.spec.format],
    ['Split ratio', e.spec.options.splitRatio === null || e.spec.options.splitRatio === undefined ? '- (dump)' : String(e.spec.options.splitRatio)],
    ['Normalized', e.spec.options.normalized ? 'yes' : 'no (pixels)'],
    ['State', exportState(e)],
    ['Download URL', e.status.downloadUrl?.url ?? '-'],
    ['URL expires', formatTime(e.status.downloadUrl?.expiresAt)],
  ]);
}

export function registerExportCommands(program: Command): void {
  addExportOptions(
    serverCommand(program, 'export <dataset>', 'Export a dataset as a training archive (ZIP) and print its download URL', [
      'vireo export 0f3c…',
      'vireo export 0f3c… --format ViJsonl --split 0.8',
      'vireo export 0f3c… --no-normalized --no-wait --json',
    ]),
  )
    .option('--no-wait', 'start the export and return at once (see `vireo exports get`)')
    .action(async (datasetId: string, opts: ServerOpts & ExportFlags & { wait: boolean }) => {
      const client = clientFrom(opts);
      const created = await client.datasets.createExport({ datasetId, exportSettings: exportSettings(opts) });
      const result = opts.wait
        ? await interruptible(
            (signal) => client.datasets.waitForExport({ datasetId, datasetExportId: created.datasetExportId, signal }),
            `The export goes on on the server: vireo exports get ${datasetId} ${created.datasetExportId}`,
          )
        : created;
      if (opts.json) return printJson(result);
      printExport(result);
    });

  const exportsCmd = program.command('exports').description('Past exports of a dataset');
  serverCommand(exportsCmd, 'ls <dataset>', 'List the exports of a dataset', ['vireo exports ls 0f3c…'])
    .alias('list')
    .action(async (datasetId: string, opts: ServerOpts) => {
      const items: DatasetExport[] = [];
      for await (const e of clientFrom(opts).datasets.listExports({ datasetId }).allItems()) items.push(e);
      if (opts.json) return printJson(items);
      printTable(
        ['EXPORT ID', 'FORMAT', 'SPLIT', 'STATE', 'CREATED'],
        items.map((e) => [e.datasetExportId, e.spec.format, e.spec.options.splitRatio == null ? 'dump' : String(e.spec.options.splitRatio), exportState(e), formatTime(e.metadata.timeCreated)]),
      );
    });
  serverCommand(exportsCmd, 'get <dataset> <export>', 'Show an export and its download URL', ['vireo exports get 0f3c… 8e21…'])
    .action(async (datasetId: string, datasetExportId: string, opts: ServerOpts) => {
      const e = await clientFrom(opts).datasets.getExport({ datasetId, datasetExportId });
      if (opts.json) return printJson(e);
      printExport(e);
    });

  registerDatasetDownload(program);
}
