// Helpers for tests that upload assets through the Vi protocol, the way the Python SDK does:
// create an ingestion session, PUT each file to its signed URL with exactly the given headers,
// poll the session until Finished.
import crypto from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import sharp from 'sharp';
import type { TestServer } from './server.js';
import { waitFor } from './server.js';

export interface TestFile {
  filename: string;
  bytes: Buffer;
  mime: string;
  customMetadata?: Record<string, string | number | boolean> | null;
}

/** The CRC32C as the SDK sends it: a signed 32-bit integer. */
export const signedCrc32c = (bytes: Buffer): number => crc32c(bytes) | 0;
export const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** A small noise image (does not compress to nothing), different for each seed. */
export async function noiseImage(format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif', seed: number, width = 32, height = 24): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

export const specOf = (f: TestFile, overrides: Partial<{ size: number; crc32c: number; mime: string }> = {}) => ({
  filename: f.filename,
  mime: overrides.mime ?? f.mime,
  size: overrides.size ?? f.bytes.length,
  crc32c: overrides.crc32c ?? signedCrc32c(f.bytes),
  customMetadata: f.customMetadata ?? null,
  kind: 'Image',
});

export const ingestionPath = (s: TestServer, ds: string) =>
  `/workspaces/${s.organizationId}/datasets/${ds}/assetSources/managed/datature/transient/assetIngestionSessions`;

export async function createSession(
  s: TestServer,
  ds: string,
  assets: unknown[],
  options: { failureMode?: string; onAssetOverwritten?: string } = {},
) {
  return s.request('POST', ingestionPath(s, ds), {
    body: {
      spec: {
        assets,
        kind: 'Upload',
        failureMode: options.failureMode ?? 'FailAfterAll',
        onAssetOverwritten: options.onAssetOverwritten ?? 'RemoveLinkedResource',
      },
    },
  });
}

/** PUTs bytes to a signed upload URL with exactly the headers the session gave, no auth. */
export async function put(upload: { url: string; headers?: Record<string, string> | null }, bytes: Buffer) {
  const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers ?? {}, body: new Uint8Array(bytes) });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Uploads every file the session asks for (matched by filename, as the SDK does). */
export async function putAll(session: any, files: TestFile[]) {
  const byName = new Map(files.map((f) => [f.filename, f]));
  const results = [];
  for (const a of session.status.assets) {
    const f = byName.get(a.metadata.filename);
    if (f) results.push({ filename: f.filename, ...(await put(a.upload, f.bytes)) });
  }
  return results;
}

export async function waitFinished(s: TestServer, ds: string, sessionId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const r = await s.request('GET', `${ingestionPath(s, ds)}/${sessionId}`);
      const done = r.json?.status?.conditions?.some((c: any) => c.condition === 'Finished' && c.status === 'Reached');
      return done ? r.json : undefined;
    },
    `ingestion session ${sessionId} to finish`,
    timeoutMs,
  );
}

/** Creates a session, uploads every file, waits for Finished; returns the final session. */
export async function upload(s: TestServer, ds: string, files: TestFile[], options: { failureMode?: string; onAssetOverwritten?: string } = {}) {
  const created = await createSession(s, ds, files.map((f) => specOf(f)), options);
  if (created.status !== 200) throw new Error(`session creation failed: ${created.status} ${created.text}`);
  await putAll(created.json, files);
  return waitFinished(s, ds, created.json.assetIngestionSessionId);
}

export async function newDataset(s: TestServer, name = 'assets'): Promise<string> {
  const r = await s.request('POST', `/workspaces/${s.organizationId}/datasets`, { body: { name } });
  if (r.status !== 201) throw new Error(`dataset creation failed: ${r.text}`);
  return r.json.datasetId;
}

/** Every asset of a dataset, through the paginated list. */
export async function listAll(s: TestServer, ds: string, query = ''): Promise<any[]> {
  const out: any[] = [];
  let token: string | null = null;
  do {
    const q: string = `s=1000${query ? `&${query}` : ''}${token ? `&p=${encodeURIComponent(token)}` : ''}`;
    const r = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?${q}`);
    if (r.status !== 200) throw new Error(`list failed: ${r.status} ${r.text}`);
    out.push(...r.json.items);
    token = r.json.nextPage;
  } while (token);
  return out;
}
