// `vireo serve --processes 2` (the built binary) on SQLite and on PostgreSQL: two server processes
// share the port, the data directory and the database; an upload through both stores every file
// once with its bytes; a server process that dies is replaced while the other keeps answering;
// SIGTERM stops them all.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@vireo/sdk/node';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../server/test/support/dialects.js';
import { writeImage } from '../../server/test/support/media-fixtures.js';
import { cleanEnv, removeTempDirs, run, startServer, tempDir, type CliServer } from './support/cli.js';

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
  let server: CliServer;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, tempDir());
    server = await startServer({ args: ['--processes', '2'], env: database.env });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  it('serves one upload through both processes, replaces a process that dies, and stops on SIGTERM', { timeout: 180_000 }, async () => {
    expect(server.banner).toContain('2 processes');
    const { url, organizationId, secretKey } = server;
    const servers = childrenOf(server.pid);
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
      const now = childrenOf(server.pid);
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

    expect(await server.stop()).toBe(0);
    for (const pid of replaced) expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), `server process ${pid} still running`).toBe(false);
  });
});

it('refuses a bad process count with a message naming the variable', async () => {
  const r = await run(['serve', '--processes', 'many', '--data-dir', tempDir()], cleanEnv());
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('VIREO_PROCESSES: must be "auto" (one per CPU) or an integer from 1 to 256 (got "many")');
});
