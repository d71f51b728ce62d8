// The client commands of the BUILT `vireo` binary against a real `vireo serve`: login (file mode
// 0600), datasets, assets (tables, --json, exit codes 0/1/2), upload + re-run (nothing re-sent),
// download + re-run (skipped), sessions wait, and Ctrl-C then re-run.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { notMedia, writeImage } from '../../server/test/support/media-fixtures.js';
import { run, start, tempDir, useServer } from './support/cli.js';

const server = useServer();

/** `n` small PNG files named img-0000.png … in a new directory. */
async function imageDir(n: number, prefix = 'img'): Promise<string> {
  const dir = tempDir('vireo-images-');
  const first = await writeImage(dir, 'png', { width: 16, height: 12, name: `${prefix}-0000.png` });
  for (let i = 1; i < n; i++) fs.copyFileSync(first.path, path.join(dir, `${prefix}-${String(i).padStart(4, '0')}.png`));
  return dir;
}

async function createDataset(name: string): Promise<string> {
  const r = await run(['datasets', 'create', '--name', name, '--json'], server().authEnv);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).datasetId as string;
}

describe('vireo login / whoami / logout', { timeout: 300_000 }, () => {
  it('checks the credentials, stores them 0600 in a 0700 dir, and later commands use them', async () => {
    const env = { ...server().env, XDG_CONFIG_HOME: tempDir('vireo-config-') };
    const r = await run(['login', '--endpoint', server().url, '--org', server().organizationId, '--key', server().secretKey], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`as organization`);
    const file = path.join(env.XDG_CONFIG_HOME, 'vireo', 'credentials.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ endpoint: server().url, organizationId: server().organizationId, secretKey: server().secretKey });

    const who = await run(['whoami'], env);
    expect(who.status, who.stderr).toBe(0);
    expect(who.stdout).toMatch(new RegExp(`Server:\\s+${server().url} \\(from vireo login\\)`));
    expect(who.stdout).toContain(`(${server().organizationId}) (from vireo login)`);
    expect(who.stdout).not.toContain(server().secretKey);

    // The environment wins over the stored login, flags win over both.
    const badOrg = await run(['whoami', '--json'], { ...env, DATATURE_VI_ORGANIZATION_ID: 'someone-else' });
    expect(badOrg.status).toBe(1);
    expect(badOrg.stderr).toMatch(/error: .*(not found|someone-else)/i);
    const flagWins = await run(['whoami', '--json', '--org', server().organizationId], { ...env, DATATURE_VI_ORGANIZATION_ID: 'someone-else' });
    expect(flagWins.status, flagWins.stderr).toBe(0);
    expect(JSON.parse(flagWins.stdout).sources).toEqual({ endpoint: 'login', organizationId: 'flag', secretKey: 'login' });

    const ls = await run(['datasets', 'ls'], env);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^DATASET ID\s+NAME\s+TYPE\s+ASSETS\s+ANNOTATIONS\s+CREATED/);

    const out = await run(['logout'], env);
    expect(out.status).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    const after = await run(['datasets', 'ls'], env);
    expect(after.status).toBe(2);
    expect(after.stderr).toContain('not logged in: run `vireo login`');
  });

  it('refuses a wrong key without saving anything (exit 1), and missing values when not at a terminal (exit 2)', async () => {
    const env = { ...server().env, XDG_CONFIG_HOME: tempDir('vireo-config-') };
    const wrongKey = `dtvi_${'x'.repeat(98)}`;
    const bad = await run(['login', '--endpoint', server().url, '--org', server().organizationId, '--key', wrongKey], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: /);
    expect(fs.existsSync(path.join(env.XDG_CONFIG_HOME, 'vireo', 'credentials.json'))).toBe(false);

    const malformed = await run(['login', '--endpoint', server().url, '--org', server().organizationId, '--key', 'nope'], env);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('dtvi_');

    const missing = await run(['login', '--endpoint', server().url], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--org and --key');
  });
});

describe('vireo datasets', { timeout: 300_000 }, () => {
  it('creates, lists, shows and deletes datasets, as tables and as JSON', async () => {
    const id = await createDataset('Birds');

    const table = await run(['datasets', 'ls'], server().authEnv);
    expect(table.status, table.stderr).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(new RegExp(`^${id}\\s+Birds\\s+phrase-grounding\\s+0\\s+0\\s+\\d{4}-`));

    const json = await run(['datasets', 'ls', '--json'], server().authEnv);
    const list = JSON.parse(json.stdout);
    expect(list.find((d: any) => d.datasetId === id)).toMatchObject({ name: 'Birds', organizationId: server().organizationId });

    const get = await run(['datasets', 'get', id], server().authEnv);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/Dataset id:\s+/);
    expect(get.stdout).toMatch(/Name:\s+Birds/);
    expect(get.stdout).toMatch(/Assets:\s+0/);
    expect(JSON.parse((await run(['datasets', 'get', id, '--json'], server().authEnv)).stdout)).toMatchObject({ datasetId: id, name: 'Birds' });

    const vqa = await run(['datasets', 'create', '--name', 'Shelves', '--type', 'vqa', '--json'], server().authEnv);
    expect(JSON.parse(vqa.stdout).type).toBe('vqa');

    const noYes = await run(['datasets', 'rm', id], server().authEnv);
    expect(noYes.status).toBe(2);
    expect(noYes.stderr).toContain('--yes');

    const rm = await run(['datasets', 'rm', id, '--yes'], server().authEnv);
    expect(rm.status, rm.stderr).toBe(0);
    const gone = await run(['datasets', 'get', id], server().authEnv);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/error: .*not found/i);
  });
});

describe('vireo assets', { timeout: 300_000 }, () => {
  it('uploads (exit 1 with the failed file listed), re-runs without re-sending, lists, shows, downloads, skips, deletes', async () => {
    const dataset = await createDataset('Uploads');
    const dir = await imageDir(12);
    const bad = await notMedia(tempDir());

    const first = await run(['assets', 'upload', dataset, dir, bad.path, '--progress'], server().authEnv);
    expect(first.status, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/Files:\s+13/);
    expect(first.stdout).toMatch(/Succeeded:\s+12 /);
    expect(first.stdout).toMatch(/Failed:\s+1/);
    expect(first.stdout).toMatch(/FAILED FILE\s+ERROR/);
    expect(first.stdout).toMatch(/notes\.jpg\s+EBADMIME/);
    expect(first.stderr).toMatch(/files\/s/);
    expect(first.stderr).toMatch(/ETA/);

    // The same command again: every good file is already there, no byte is sent.
    const putsBefore = await server().requestCount('PUT');
    const again = await run(['assets', 'upload', dataset, dir, '--json'], server().authEnv);
    expect(again.status, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result).toMatchObject({ totalFiles: 12, totalSucceeded: 12, totalFailed: 0, alreadyPresent: 12 });
    expect(await server().requestCount('PUT')).toBe(putsBefore);

    const ls = await run(['assets', 'ls', dataset, '--sort', 'filename'], server().authEnv);
    expect(ls.status, ls.stderr).toBe(0);
    const lines = ls.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ASSET ID\s+FILENAME\s+KIND\s+SIZE\s+DIMENSIONS\s+ANNOTATIONS\s+UPLOADED$/);
    expect(lines).toHaveLength(13);
    expect(lines[1]).toMatch(/\simg-0000\.png\s+Image\s+\S+ B\s+16x12\s+0\s+/);

    const limited = await run(['assets', 'ls', dataset, '--limit', '5', '--json'], server().authEnv);
    const five = JSON.parse(limited.stdout);
    expect(five).toHaveLength(5);
    expect(limited.stderr).toContain('first 5 shown');
    const assetId = five[0].assetId as string;

    const get = await run(['assets', 'get', dataset, assetId, '--url'], server().authEnv);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/Dimensions:\s+16x12/);
    expect(get.stdout).toMatch(/Download URL:\s+http/);

    const out = tempDir('vireo-download-');
    const dl = await run(['assets', 'download', dataset, out, '--json'], server().authEnv);
    expect(dl.status, dl.stderr).toBe(0);
    const saved = path.join(out, dataset);
    expect(fs.readdirSync(saved).sort()).toEqual(fs.readdirSync(dir).sort());
    expect(fs.readFileSync(path.join(saved, 'img-0003.png'))).toEqual(fs.readFileSync(path.join(dir, 'img-0003.png')));
    const dlAgain = await run(['assets', 'download', dataset, out], server().authEnv);
    expect(dlAgain.status, dlAgain.stderr).toBe(0);
    expect(dlAgain.stdout).toMatch(/Skipped:\s+12/);
    expect(dlAgain.stdout).toMatch(/Downloaded:\s+0/);

    const rm = await run(['assets', 'rm', dataset, assetId, '--yes'], server().authEnv);
    expect(rm.status, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`Deleted ${assetId}`);
    const rmAgain = await run(['assets', 'rm', dataset, assetId, '--yes'], server().authEnv);
    expect(rmAgain.status).toBe(1);
    expect(rmAgain.stderr).toContain(assetId);

    // Queries: list what a metadata query selects, then delete exactly that in bulk.
    const query = 'filename == "img-0005.png"';
    const selected = JSON.parse((await run(['assets', 'ls', dataset, '--metadata-query', query, '--json'], server().authEnv)).stdout);
    expect(selected.map((a: any) => a.filename)).toEqual(['img-0005.png']);
    const bulk = await run(['assets', 'rm', dataset, '--metadata-query', query, '--yes'], server().authEnv);
    expect(bulk.status, bulk.stderr).toBe(0);
    expect(bulk.stdout).toContain('Deleted the selected assets');
    const left = JSON.parse((await run(['assets', 'ls', dataset, '--all', '--json'], server().authEnv)).stdout);
    expect(left).toHaveLength(10);
    expect(left.map((a: any) => a.filename)).not.toContain('img-0005.png');
  });

  it('uploads without waiting, then `sessions wait` reports the finished session', async () => {
    const dataset = await createDataset('NoWait');
    const dir = await imageDir(5, 'nw');
    const up = await run(['assets', 'upload', dataset, dir, '--no-wait', '--json'], server().authEnv);
    expect(up.status, up.stderr).toBe(0);
    const [session] = JSON.parse(up.stdout).sessionIds as string[];
    const wait = await run(['sessions', 'wait', dataset, session!], server().authEnv);
    expect(wait.status, wait.stderr).toBe(0);
    expect(wait.stdout).toMatch(/Finished:\s+yes/);
    expect(wait.stdout).toMatch(/Succeeded:\s+5/);
    const json = JSON.parse((await run(['sessions', 'wait', dataset, session!, '--json'], server().authEnv)).stdout);
    expect(json.status.progressCount).toMatchObject({ total: 5, succeeded: 5, errored: 0 });
  });

  it('stops cleanly on Ctrl-C (exit 130), and the same command then completes without re-sending', async () => {
    const dataset = await createDataset('Interrupted');
    const dir = await imageDir(400, 'ctrlc');
    const putsBefore = await server().requestCount('PUT');
    const args = ['assets', 'upload', dataset, dir, '--concurrency', '1', '--json'];
    const upload = start(args, server().authEnv);
    // Interrupt once some files have arrived, long before all 400 can.
    for (;;) {
      const sent = (await server().requestCount('PUT')) - putsBefore;
      if (sent >= 5) break;
      const exited = await Promise.race([upload.done.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);
      if (exited) throw new Error(`upload ended before it could be interrupted: ${(await upload.done).stderr}`);
    }
    upload.child.kill('SIGINT');
    const stopped = await upload.done;
    expect(stopped.status, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('Run the same command again to resume');
    const sentBefore = (await server().requestCount('PUT')) - putsBefore;
    expect(sentBefore).toBeLessThan(400);

    const rerun = await run(args, server().authEnv);
    expect(rerun.status, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result).toMatchObject({ totalFiles: 400, totalSucceeded: 400, totalFailed: 0 });
    expect(result.alreadyPresent).toBeGreaterThanOrEqual(5);
    // Only the missing files were sent the second time.
    const sentByRerun = (await server().requestCount('PUT')) - putsBefore - sentBefore;
    expect(sentByRerun).toBe(400 - result.alreadyPresent);
    const ds = JSON.parse((await run(['datasets', 'get', dataset, '--json'], server().authEnv)).stdout);
    expect(ds.statistic.assetTotal).toBe(400);
  });
});

describe('usage errors and help', { timeout: 300_000 }, () => {
  it('exits 2 for usage errors with a message that says what to fix', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['nonsense'], /unknown command 'nonsense'/],
      [['assets', 'upload', 'ds1'], /missing required argument 'paths'/],
      [['assets', 'ls', 'ds1', '--limit', 'ten'], /--limit.*whole number/],
      [['export', 'ds1', '--split', '1.5'], /--split.*between 0 and 1/],
      [['export', 'ds1', '--format', 'Zip'], /--format.*ViFull, ViJsonl/],
      [['datasets', 'create'], /required option '--name <name>'/],
      [['annotations', 'rm', 'ds1', 'a1'], /missing required argument 'annotations'/],
      [['download', 'ds1'], /missing required argument 'dir'/],
      [['assets', 'rm', 'ds1', '--yes'], /give the ids of the assets to delete, or --filter/],
      [['assets', 'rm', 'ds1', 'a1', '--filter', 'x:y', '--yes'], /not both/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args, server().authEnv);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const noCreds = await run(['assets', 'ls', 'ds1'], server().env);
    expect(noCreds.status).toBe(2);
    expect(noCreds.stderr).toContain('DATATURE_VI_SECRET_KEY');
  });

  it('prints help with examples for every command', async () => {
    const commands = [
      [], ['login'], ['logout'], ['whoami'],
      ['datasets', 'ls'], ['datasets', 'create'], ['datasets', 'get'], ['datasets', 'rm'],
      ['assets', 'ls'], ['assets', 'get'], ['assets', 'rm'], ['assets', 'upload'], ['assets', 'download'],
      ['sessions', 'wait'],
      ['annotations', 'upload'], ['annotations', 'ls'], ['annotations', 'rm'],
      ['export'], ['exports', 'ls'], ['exports', 'get'], ['download'],
    ];
    const results = await Promise.all(commands.map((args) => run([...args, '--help'], server().env)));
    for (const [i, args] of commands.entries()) {
      const r = results[i]!;
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('Example');
      if (args.length > 0 && !['logout'].includes(args[0]!)) expect(r.stdout, args.join(' ')).toContain('--');
    }
    const top = await run(['--help'], server().env);
    for (const c of ['serve', 'login', 'datasets', 'assets', 'sessions', 'annotations', 'export', 'download']) expect(top.stdout).toContain(c);
  });
});
