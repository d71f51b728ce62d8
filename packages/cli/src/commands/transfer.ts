// The commands that move files: `assets upload|download`, `annotations upload`, `download`.
// Each runs under `interruptible`: Ctrl-C aborts through the SDK's signal and exits 130; the same
// command run again resumes (the server settles files it already has; download skips saved files).
import path from 'node:path';
import type { Command } from 'commander';
import { ViOperationError } from '@vireo/sdk/node';
import { clientFrom } from '../client.js';
import { interruptible } from '../interrupt.js';
import { oneOf, positiveInt } from '../options.js';
import { EXIT, formatBytes, printFailedFiles, printFields, printJson, printTable } from '../output.js';
import { serverCommand, type ServerOpts } from './common.js';
import { addExportOptions, exportSettings, type ExportFlags } from './exports.js';

/** Vireo's addition to an import session's status: what was wrong, where (`line` null: the whole file). */
interface ImportProblem {
  file: string;
  line: number | null;
  reason: string;
  message: string;
}

const FAILURE_MODES = ['FailAfterOne', 'FailAfterAll'] as const;
const FAILURE_POLICIES = ['Warn', 'RejectFile', 'RejectSession'] as const;
type FailurePolicy = (typeof FAILURE_POLICIES)[number];
const RETENTION = ['RemoveLinkedResource', 'KeepLinkedResources'] as const;

type ProgressOpts = { progress?: boolean };
const addProgressOptions = (cmd: Command) =>
  cmd.option('--progress', 'always show the progress bar').option('--no-progress', 'never show the progress bar (default: shown when stderr is a terminal)');

/** Paths the user typed, shown relative to the current directory when inside it. */
const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
};

type UploadOpts = ServerOpts &
  ProgressOpts & {
    wait: boolean;
    failureMode?: (typeof FAILURE_MODES)[number];
    onOverwritten?: (typeof RETENTION)[number];
    batchSize?: number;
    concurrency?: number;
    /** A file, or false with --no-checksum-cache (undefined: the SDK's default file). */
    checksumCache?: string | false;
  };

export function registerAssetUpload(assets: Command): void {
  addProgressOptions(
    serverCommand(assets, 'upload <dataset> <paths...>', 'Upload image files and folders (recursive) into a dataset', [
      'vireo assets upload 0f3c… ./images',
      'vireo assets upload 0f3c… a.jpg b.png ./more --failure-mode FailAfterAll',
      'vireo assets upload 0f3c… ./images --no-wait --json',
    ]),
  )
    .option('--failure-mode <mode>', 'FailAfterOne (a session stops at its first bad file) | FailAfterAll; default FailAfterAll', oneOf(FAILURE_MODES))
    .option('--on-overwritten <mode>', "when a file replaces an asset: RemoveLinkedResource (drop its annotations, default) | KeepLinkedResources", oneOf(RETENTION))
    .option('--batch-size <n>', 'files per upload session (default 10000)', positiveInt())
    .option('--concurrency <n>', 'parallel file uploads (default 16)', positiveInt(256))
    .option('--no-wait', 'return once the bytes are sent, without waiting for the server to finish (see `vireo sessions wait`)')
    .option('--checksum-cache <file>', 'where checksums of unchanged files are kept between runs (default $XDG_CACHE_HOME/vireo/checksums.json, else ~/.cache/vireo/checksums.json)')
    .option('--no-checksum-cache', 'read and checksum every file, keeping nothing between runs')
    .addHelpText(
      'after',
      `
Files the dataset already holds (same name, size and CRC32C) are not sent again, so after Ctrl-C or a
network failure the same command finishes the job. Checksums of files unchanged since the last run
(same path, size, times, inode) come from the checksum cache, so a re-run reads no unchanged file;
the server still verifies the CRC32C of every byte it receives. Two files with the same name (from
different folders) cannot both be in a dataset: the first is sent, the others fail with EALREADY.
Exit code 0 when every file succeeded, 1 when some failed (listed with their error code), 2 for
usage errors, 130 when interrupted.
`,
    )
    .action(async (datasetId: string, paths: string[], opts: UploadOpts) => {
      const client = clientFrom(opts);
      const result = await interruptible(
        (signal) =>
          client.assets.upload({
            datasetId,
            paths: paths.map((p) => path.resolve(p)),
            // A CLI user wants every good file in; one bad file should not stop the rest.
            failureMode: opts.failureMode ?? 'FailAfterAll',
            onAssetOverwritten: opts.onOverwritten,
            batchSize: opts.batchSize,
            concurrency: opts.concurrency,
            checksumCache: opts.checksumCache,
            waitUntilDone: opts.wait,
            showProgress: opts.progress,
            signal,
          }),
        'Run the same command again to resume: files already uploaded are not sent again.',
      );
      if (opts.json) {
        printJson({
          totalFiles: result.totalFiles,
          totalSucceeded: result.totalSucceeded,
          totalFailed: result.totalFailed,
          alreadyPresent: result.alreadyPresent,
          checksumsFromCache: result.checksumsFromCache,
          successRate: result.successRate,
          sessionIds: result.sessionIds,
          failedFiles: result.failedFiles,
          durationMs: result.durationMs,
        });
      } else {
        printFields([
          ['Files', String(result.totalFiles)],
          ['Succeeded', `${result.totalSucceeded} (${result.successRate.toFixed(1)}%)`],
          ['Already there', `${result.alreadyPresent} (not sent again)`],
          ['Failed', String(result.totalFailed)],
          ['Sessions', result.sessionIds.join(', ') || '-'],
          ['Duration', `${(result.durationMs / 1000).toFixed(1)} s`],
        ]);
        printFailedFiles(result.failedFiles.map((f) => [shown(f.path), f.code, f.message ?? '']));
      }
      if (result.totalFailed > 0) process.exitCode = EXIT.failed;
    });
}

export function registerAssetDownload(assets: Command): void {
  addProgressOptions(
    serverCommand(assets, 'download <dataset> <dir>', 'Download every asset of a dataset into <dir>/<dataset>/', [
      'vireo assets download 0f3c… ./downloads',
      'vireo assets download 0f3c… ./downloads --overwrite',
    ]),
  )
    .option('--overwrite', 'download files that already exist again')
    .addHelpText(
      'after',
      `
Files already in the directory are skipped (unless --overwrite), and every file is written under a
temporary name first, so an interrupted download never leaves a truncated file and running the same
command again fetches only what is missing. Exit code 1 when some files failed.
`,
    )
    .action(async (datasetId: string, dir: string, opts: ServerOpts & ProgressOpts & { overwrite?: boolean }) => {
      const client = clientFrom(opts);
      const result = await interruptible(
        (signal) => client.assets.download({ datasetId, saveDir: path.resolve(dir), overwrite: opts.overwrite ?? false, showProgress: opts.progress, signal }),
        'Run the same command again to resume: files already saved are skipped.',
      );
      if (opts.json) printJson(result);
      else {
        printFields([
          ['Saved in', shown(result.saveDir)],
          ['Assets', String(result.count)],
          ['Downloaded', String(result.downloaded)],
          ['Skipped', `${result.skipped} (already there)`],
          ['Failed', String(result.failed)],
        ]);
        printFailedFiles(result.failures.map((f) => [f.filename, f.code, f.message]));
      }
      if (result.failed > 0) process.exitCode = EXIT.failed;
    });
}

export function registerAnnotationUpload(annotations: Command): void {
  addProgressOptions(
    serverCommand(annotations, 'upload <dataset> <paths...>', 'Import annotation files (.jsonl / .json, or folders of them) into a dataset', [
      'vireo annotations upload 0f3c… ./annotations.jsonl',
      'vireo annotations upload 0f3c… ./labels/ --no-wait',
      'vireo annotations upload 0f3c… ./annotations.jsonl --on-bad-annotation Warn',
    ]),
  )
    .option('--no-wait', 'return once the files are sent, without waiting for the import')
    .option('--on-bad-annotation <policy>', 'a bad line: Warn (skip it) | RejectFile | RejectSession (default: nothing is imported)', oneOf(FAILURE_POLICIES))
    .option('--on-bad-file <policy>', 'a file with a wrong size or checksum, or unreadable: Warn | RejectFile | RejectSession (default)', oneOf(FAILURE_POLICIES))
    .option('--on-overwritten <policy>', 'a line whose id already exists: Warn (replace it) | RejectFile | RejectSession (default)', oneOf(FAILURE_POLICIES))
    .addHelpText(
      'after',
      `
Lines match assets by file name: the export line schema (docs/annotations.md) or the seeds' form
{"asset_id": "cat.jpg", "caption": "…", "grounded_phrases": [{"phrase": "…", "bbox": [x1, y1, x2, y2]}]}.
`,
    )
    .action(
      async (
        datasetId: string,
        paths: string[],
        opts: ServerOpts & ProgressOpts & { wait: boolean; onBadAnnotation?: FailurePolicy; onBadFile?: FailurePolicy; onOverwritten?: FailurePolicy },
      ) => {
        const client = clientFrom(opts);
        const ref = { datasetId, annotationImportSessionId: '' };
        const session = await interruptible(async (signal) => {
          const sent = await client.annotations.upload({
            datasetId,
            paths: paths.map((p) => path.resolve(p)),
            waitUntilDone: false,
            failurePolicies: { onBadAnnotation: opts.onBadAnnotation, onBadFile: opts.onBadFile, onOverwritten: opts.onOverwritten },
            showProgress: opts.progress,
            signal,
          });
          ref.annotationImportSessionId = sent.annotationImportSessionId;
          if (!opts.wait) return sent;
          try {
            return await client.annotations.waitUntilDone({ ...ref, signal });
          } catch (err) {
            // A rejected import: read the session once more for the server's reasons (line by line).
            if (!(err instanceof ViOperationError)) throw err;
            return client.annotations.getImportSession(ref);
          }
        }, 'The import was cancelled and changes nothing; run the same command again.');
        const status = session.status as typeof session.status & { problems?: ImportProblem[]; problemCount?: number };
        const failed = status.conditions.find((c) => c.status === 'FailedReach') as { condition: string; message?: string | null } | undefined;
        const problems = status.problems ?? [];
        const rejectedFiles = status.files.statusCount.Rejected ?? 0;
        if (opts.json) printJson(session);
        else {
          const f = status.files;
          printFields([
            ['Import session', session.annotationImportSessionId],
            ['Result', failed ? `rejected, nothing imported${failed.message ? ` (${failed.message})` : ''}` : session.isDone ? 'imported' : 'still importing'],
            ['Files processed', String(f.pageCount)],
            ['Size', formatBytes(f.totalSizeBytes)],
            ['Annotations', String(session.annotationsImported)],
            ['Problems', String(status.problemCount ?? problems.length)],
          ]);
          if (problems.length > 0) {
            process.stdout.write('\n');
            printTable(['FILE', 'LINE', 'REASON', 'MESSAGE'], problems.map((p) => [p.file, p.line === null ? '-' : String(p.line), p.reason, p.message]));
          }
        }
        if (failed || rejectedFiles > 0) process.exitCode = EXIT.failed;
      },
    );
}

export function registerDatasetDownload(program: Command): void {
  addProgressOptions(
    addExportOptions(
      serverCommand(program, 'download <dataset> <dir>', 'Export a dataset and unpack the archive into <dir>/<dataset>/ (images + annotations)', [
        'vireo download 0f3c… ./data',
        'vireo download 0f3c… ./data --split 0.8',
        'vireo download 0f3c… ./labels --format ViJsonl --overwrite',
      ]),
    ),
  )
    .option('--overwrite', 'replace an existing non-empty <dir>/<dataset>/')
    .option('--export <id>', 'download this existing export instead of making a new one')
    .action(async (datasetId: string, dir: string, opts: ServerOpts & ProgressOpts & ExportFlags & { overwrite?: boolean; export?: string }) => {
      const client = clientFrom(opts);
      const result = await interruptible(
        (signal) =>
          client.datasets.download({
            datasetId,
            saveDir: path.resolve(dir),
            exportSettings: exportSettings(opts),
            overwrite: opts.overwrite ?? false,
            showProgress: opts.progress,
            datasetExportId: opts.export,
            signal,
          }),
        'Run the same command again to start over.',
      );
      if (opts.json) return printJson(result);
      printFields([
        ['Saved in', shown(result.saveDir)],
        ['Size', `${result.sizeMb.toFixed(2)} MB`],
        ['Splits', result.splits.join(', ') || '-'],
        ['Assets', String(result.assetsCount)],
        ['Annotations', String(result.annotationsCount)],
      ]);
    });
}
