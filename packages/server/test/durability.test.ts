// Durability of ingestion (issue item 10) with the real `vireo serve` binary as a child process:
// `kill -9` while PUTs are in flight, restart on the same data directory, finish the upload with
// the same session and its original URLs; SIGTERM lets an in-flight PUT finish. Needs a build
// (`npm test` builds first).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect, tempDir, type TestDatabase } from './support/dialects.js';
import { request, waitFor, type RequestOptions } from './support/server.js';
import { noiseImage, sha256, specOf, type TestFile } from './support/uploads.js';

const BIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const ORG = 'durable-org';
const KEY = `dtvi_${'d'.repeat(98)}`;

/** A free TCP port: a restarted server must answer on the same one, since the signed URLs name it. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** `vireo serve` on the given data directory and port, resolved once /healthz answers. */
async function serve(dataDir: string, port: number, env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      VIREO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      VIREO_DATA_DIR: dataDir,
      VIREO_LOG_LEVEL: process.env.VIREO_TEST_LOG ?? 'silent',
      VIREO_INIT_ORGANIZATION_ID: ORG,
      VIREO_INIT_SECRET_KEY: KEY,
      VIREO_JOB_POLL_MS: '50',
      ...env,
    },
    stdio: ['ignore', process.env.VIREO_TEST_LOG ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(async () => {
    if (dead) throw new Error(`vireo serve exited early: ${stderr}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, 'vireo serve to answer /healthz', 90_000);
  return { child, exited };
}

/** PUT that sends the first `split` bytes, then waits for `release()` before sending the rest. */
function slowPut(url: string, headers: Record<string, string>, bytes: Buffer, split: number) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const answer = new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(bytes.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write(bytes.subarray(0, split));
    void released.then(() => req.end(bytes.subarray(split)));
  });
  answer.catch(() => undefined); // a killed server fails it; callers that care await it
  return { answer, release };
}

/** Staged part files anywhere under <data dir>/staging, with their sizes. */
function stagedParts(dataDir: string): Array<{ file: string; size: number }> {
  const root = path.join(dataDir, 'staging');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      return { file, size: fs.statSync(file).size };
    });
}

function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs');
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describeEachDialect('durability: crash and restart of vireo serve', (dialect) => {
  let dataDir: string;
  let database: TestDatabase;
  let port: number;
  const children: ChildProcess[] = [];
  const api = (method: string, p: string, o: RequestOptions = {}) =>
    request(`http://127.0.0.1:${port}`, method, p, { ...o, headers: { authorization: `Bearer ${KEY}`, 'organization-id': ORG, ...o.headers } });

  beforeAll(async () => {
    dataDir = tempDir('vireo-durable-');
    database = await createTestDatabase(dialect, dataDir);
    port = await freePort();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const s = await serve(dataDir, port, database.env);
    children.push(s.child);
    return s;
  };

  it('kill -9 mid-upload: after a restart the same session and URLs finish it; every file once, right bytes, no staging left', async () => {
    let server = await start();
    const ds = await api('POST', `/workspaces/${ORG}/datasets`, { body: { name: 'durable' } });
    expect(ds.status).toBe(201);
    const dsId = ds.json.datasetId as string;
    const sessions = `/workspaces/${ORG}/datasets/${dsId}/assetSources/managed/datature/transient/assetIngestionSessions`;

    const files: TestFile[] = [];
    for (let i = 0; i < 60; i++) files.push({ filename: `f${String(i).padStart(3, '0')}.jpg`, bytes: await noiseImage('jpeg', 1000 + i, 96, 64), mime: 'image/jpeg' });
    const created = await api('POST', sessions, {
      body: { spec: { assets: files.map((f) => specOf(f)), kind: 'Upload', failureMode: 'FailAfterAll', onAssetOverwritten: 'RemoveLinkedResource' } },
    });
    expect(created.status).toBe(200);
    const sessionId = created.json.assetIngestionSessionId as string;
    const uploads = new Map<string, { url: string; headers: Record<string, string> }>(
      created.json.status.assets.map((a: any) => [a.metadata.filename, a.upload]),
    );
    expect(uploads.size).toBe(files.length);

    // The first 20 arrive completely.
    const acknowledged = new Set<string>();
    for (const f of files.slice(0, 20)) {
      const u = uploads.get(f.filename)!;
      const r = await fetch(u.url, { method: 'PUT', headers: u.headers, body: new Uint8Array(f.bytes) });
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      acknowledged.add(f.filename);
    }
    // Four more are half sent when the server dies; a stream of complete PUTs races the kill.
    const halves = files.slice(20, 24).map((f) => slowPut(uploads.get(f.filename)!.url, uploads.get(f.filename)!.headers, f.bytes, Math.floor(f.bytes.length / 2)));
    await waitFor(async () => (stagedParts(dataDir).filter((p) => p.size > 0).length >= halves.length ? true : undefined), 'half-written staging files');
    const racing = files.slice(24, 40).map(async (f) => {
      const u = uploads.get(f.filename)!;
      try {
        const r = await fetch(u.url, { method: 'PUT', headers: u.headers, body: new Uint8Array(f.bytes) });
        await r.arrayBuffer();
        if (r.status === 200) acknowledged.add(f.filename);
      } catch {
        /* the server died under this request */
      }
    });
    server.child.kill('SIGKILL');
    await server.exited;
    await Promise.all(racing);
    for (const h of halves) await expect(h.answer).rejects.toThrow();
    expect(stagedParts(dataDir).length).toBeGreaterThanOrEqual(halves.length); // the debris a crash leaves

    // Restart on the same data directory and database: open sessions keep taking bytes.
    server = await start();
    expect(stagedParts(dataDir)).toEqual([]); // half-written files discarded at start
    const reopened = await api('GET', `${sessions}/${sessionId}`);
    expect(reopened.status).toBe(200);
    expect(reopened.json.status.progressCount.succeeded).toBeGreaterThanOrEqual(acknowledged.size);
    // Everything acknowledged before the crash survived it.
    const pending = new Set<string>(reopened.json.status.assets.map((a: any) => a.metadata.filename));
    for (const name of acknowledged) expect(pending.has(name)).toBe(false);

    // The client resends whatever it has no 200 for, to the URLs it got before the crash.
    for (const f of files.filter((x) => !acknowledged.has(x.filename))) {
      const u = uploads.get(f.filename)!;
      const r = await fetch(u.url, { method: 'PUT', headers: u.headers, body: new Uint8Array(f.bytes) });
      await r.arrayBuffer();
      expect(r.status, f.filename).toBe(200);
    }
    const done = await waitFor(async () => {
      const r = await api('GET', `${sessions}/${sessionId}`);
      return r.json.status.conditions.some((c: any) => c.condition === 'Finished' && c.status === 'Reached') ? r.json : undefined;
    }, 'the session to finish');
    expect(done.status.progressCount).toEqual({ total: files.length, succeeded: files.length, errored: 0 });

    const listed = await api('GET', `/workspaces/${ORG}/datasets/${dsId}/assets?s=1000&contents=y`);
    const names = listed.json.items.map((a: any) => a.filename).sort();
    expect(names).toEqual(files.map((f) => f.filename).sort()); // each exactly once
    for (const a of listed.json.items) {
      const f = files.find((x) => x.filename === a.filename)!;
      expect(a.metadata.fileSize).toBe(f.bytes.length);
      expect(a.metadata.generations.asset).toBe(sha256(f.bytes));
      const res = await fetch(a.contents.asset.url);
      expect(sha256(Buffer.from(await res.arrayBuffer())), a.filename).toBe(sha256(f.bytes));
    }
    // One blob per distinct content, nothing half-present, no staging debris.
    const blobs = blobFiles(dataDir);
    for (const f of files) expect(blobs).toContain(sha256(f.bytes));
    expect(stagedParts(dataDir)).toEqual([]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 240_000);

  it('SIGTERM lets an in-flight PUT finish before the process exits', async () => {
    let server = await start();
    const ds = await api('POST', `/workspaces/${ORG}/datasets`, { body: { name: 'graceful' } });
    const dsId = ds.json.datasetId as string;
    const sessions = `/workspaces/${ORG}/datasets/${dsId}/assetSources/managed/datature/transient/assetIngestionSessions`;
    const f: TestFile = { filename: 'last-words.jpg', bytes: await noiseImage('jpeg', 7, 120, 90), mime: 'image/jpeg' };
    const created = await api('POST', sessions, { body: { spec: { assets: [specOf(f)], kind: 'Upload', failureMode: 'FailAfterAll' } } });
    const { url, headers } = created.json.status.assets[0].upload;
    const before = stagedParts(dataDir).length;
    const slow = slowPut(url, headers, f.bytes, 100);
    await waitFor(async () => (stagedParts(dataDir).length > before ? true : undefined), 'the PUT to start staging');
    server.child.kill('SIGTERM');
    // The server stops taking new connections at once…
    await waitFor(async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/healthz`);
        return undefined;
      } catch {
        return true;
      }
    }, 'the listener to close');
    // …but the request already in flight is finished and acknowledged.
    slow.release();
    expect(await slow.answer).toBe(200);
    expect(await server.exited).toBe(0);

    server = await start();
    const list = await api('GET', `/workspaces/${ORG}/datasets/${dsId}/assets?contents=y`);
    expect(list.json.items.map((a: any) => a.filename)).toEqual(['last-words.jpg']);
    const res = await fetch(list.json.items[0].contents.asset.url);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(f.bytes));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 240_000);
});
