// TwelveLabs assets never stay `processing`: processing runs in durable jobs that any server
// process picks up, is retried when it fails, and fails the asset with the reason at the end.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TwelvelabsApiClient } from 'twelvelabs-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/main.js';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { noiseImage } from './support/uploads.js';

describeEachDialect('twelvelabs processing jobs', (dialect) => {
  let s: TestServer;
  let worker: RunningServer | undefined;
  let client: TwelvelabsApiClient;

  beforeAll(async () => {
    // This process serves HTTP only: uploads stay queued until another process works.
    s = await startTestServer(dialect, { VIREO_WORKERS: '0' });
    client = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${s.url}/v1.3` });
  });
  afterAll(async () => {
    await worker?.close();
    await s?.close();
  });

  it('is processed by another process, and a job that keeps failing fails the asset with the reason', async () => {
    const good = (await client.assets.create({ method: 'direct', file: new File([new Uint8Array(await noiseImage('png', 1))], 'good.png') })) as any;
    const bad = (await client.assets.create({ method: 'direct', file: new File([new Uint8Array(await noiseImage('png', 2))], 'bad.png') })) as any;
    expect(good.status).toBe('processing');
    expect(bad.status).toBe('processing');
    expect(((await client.assets.retrieve(good.id)) as any).status).toBe('processing');

    // The stored bytes of one asset vanish (a disk fault): reading them fails on every attempt.
    const blobsDir = path.join(s.dataDir, 'blobs');
    const before = new Set(walk(blobsDir));
    const badBytes = await noiseImage('png', 2);
    const sha = createHash('sha256').update(badBytes).digest('hex');
    const badFile = [...before].find((f) => f.endsWith(sha));
    expect(badFile).toBeDefined();
    fs.rmSync(badFile!);

    // A second process on the same database and disk runs the jobs.
    worker = await startServer({ ...s.server.config, port: 0, jobs: { ...s.server.config.jobs, concurrency: 2 } });
    const done = async (id: string) =>
      waitFor(async () => {
        const a = (await client.assets.retrieve(id)) as any;
        return a.status === 'processing' ? undefined : a;
      }, `asset ${id} to leave processing`);
    expect((await done(good.id)).status).toBe('ready');
    const failed = await done(bad.id);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toMatch(/^Processing failed: .*ENOENT/);
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
