// `vireo serve --processes 2` (the built binary) on SQLite and on PostgreSQL: two server processes
// share the port, the data directory and the database; an upload through both stores every file
// once with its bytes; a server process that dies is replaced while the other keeps answering;
// SIGTERM stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@vireo/sdk/node';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../server/test/support/dialects.js';
import { writeImage } from '../../server/test/support/media-fixtures.js';
import { BIN, cleanEnv, removeTempDirs, run, tempDir } from './support/cli.js';

afterAll(removeTempDirs);

/** Process ids of the children of `pid` (the primary's server processes). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function writeImages(dir: string, prefix: string, n: number): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) await writeImage(dir, 'png', { width: 16 + i, height: 12, name: `${prefix}-${String(i).padStart(3, '0')}.png` });
  return dir;
}

describeEachDialect('vireo serve --processes 2', (dialect) => {
  let database: TestDatabase;
  let child: ChildProcess;
  let banner = '';

  beforeAll(async () => {
    const dataDir = tempDir();
    database = await createTestDatabase(dialect, dataDir);
    child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--processes', '2'], {
      env: cleanEnv({ ...database.env, VIREO_JOB_POLL_MS: '50' }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (l) => {
        lines.push(l);
        if (l.includes('Health:')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${lines.join('\n')}`)));
    });
    banner = lines.join('\n');
  }, 120_000);
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await database.drop();
  });

  it('serves one upload through both processes, replaces a process that dies, and stops on SIGTERM', { timeout: 180_000 }, async () => {
    expect(banner).toContain('2 processes');
    const url = /running at (http:\/\/\S+)/.exec(banner)![1]!;
    const organizationId = /Organization id:\s+(\S+)/.exec(banner)![1]!;
    const secretKey = /Secret key:\s+(dtvi_\S+)/.exec(banner)![1]!;
    const servers = childrenOf(child.pid!);
    expect(servers).toHaveLength(2);

    const client = new Client({ secretKey, organizationId, endpoint: url, pollIntervalMs: 50 });
    const ds = await client.datasets.create({ name: 'two processes' });
    const work = tempDir();
    const first = await writeImages(path.join(work, 'first'), 'a', 48);
    const up = await client.assets.upload({ datasetId: ds.datasetId, paths: first, showProgress: false, concurrency: 16 });
    expect(up.totalSucceeded, up.summary()).toBe(48);

    // One process dies: the other keeps answering, and the primary starts a replacement.
    process.kill(servers[0]!, 'SIGKILL');
    const replaced = await until('a replacement server process', () => {
      const now = childrenOf(child.pid!);
      return now.length === 2 && !now.includes(servers[0]!) ? now : undefined;
    });
    expect(replaced).toContain(servers[1]);
    const second = await writeImages(path.join(work, 'second'), 'b', 16);
    const again = await client.assets.upload({ datasetId: ds.datasetId, paths: second, showProgress: false });
    expect(again.totalSucceeded, again.summary()).toBe(16);

    // Every file once, with its bytes.
    const saveDir = path.join(work, 'out');
    const down = await client.assets.download({ datasetId: ds.datasetId, saveDir, showProgress: false });
    expect(down.count).toBe(64);
    for (const dir of [first, second]) {
      for (const name of fs.readdirSync(dir)) {
        expect(fs.readFileSync(path.join(saveDir, ds.datasetId, name)).equals(fs.readFileSync(path.join(dir, name))), name).toBe(true);
      }
    }

    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    for (const pid of replaced) expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), `server process ${pid} still running`).toBe(false);
  });
});

it('refuses a bad process count with a message naming the variable', async () => {
  const r = await run(['serve', '--processes', 'many', '--data-dir', tempDir()], cleanEnv());
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('VIREO_PROCESSES: must be "auto" (one per CPU) or an integer from 1 to 256 (got "many")');
});
