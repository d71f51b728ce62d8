// Helpers for tests of annotation import: the flow of the Python SDK's annotations.upload (§5.2):
// POST session, POST files (CRC32C as base64), PUT each file to its URL with exactly the given
// headers and no auth, PATCH FilesInserted, poll until every condition is Reached or one failed.
import { crc32c } from '@node-rs/crc32';
import type { TestServer } from './server.js';
import { waitFor } from './server.js';

export interface ImportFile {
  name: string;
  bytes: Buffer;
}

export type Policy = 'Warn' | 'RejectFile' | 'RejectSession';
export interface Policies {
  onBadAnnotation?: Policy;
  onBadFile?: Policy;
  onOverwritten?: Policy;
}

/** Base64 of the big-endian 4-byte CRC32C, as the SDK sends it here. */
export function crcBase64(bytes: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32c(bytes) >>> 0);
  return b.toString('base64');
}

export const importsPath = (s: TestServer, ds: string) => `/workspaces/${s.organizationId}/datasets/${ds}/annotationImportSessions`;

export const jsonl = (lines: unknown[]) => Buffer.from(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');

export async function createImport(s: TestServer, ds: string, policies: Policies = {}) {
  return s.request('POST', importsPath(s, ds), {
    body: {
      spec: {
        uploadBefore: Date.now() + 55 * 60_000,
        failurePolicies: {
          onBadAnnotation: policies.onBadAnnotation ?? 'RejectSession',
          onBadFile: policies.onBadFile ?? 'RejectSession',
          onOverwritten: policies.onOverwritten ?? 'RejectSession',
        },
        source: 'UploadedIndividualFiles',
      },
      metadata: { attributes: {} },
    },
  });
}

export const announce = (s: TestServer, ds: string, sessionId: string, files: Array<ImportFile & { sizeBytes?: number; crc32c?: string }>) =>
  s.request('POST', `${importsPath(s, ds)}/${sessionId}/files`, {
    body: { files: Object.fromEntries(files.map((f) => [f.name, { sizeBytes: f.sizeBytes ?? f.bytes.length, crc32c: f.crc32c ?? crcBase64(f.bytes), kind: 'Unknown' }])) },
  });

export async function putFile(upload: { method: string; url: string; headers: Record<string, string> }, bytes: Buffer) {
  const res = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: new Uint8Array(bytes) });
  return { status: res.status, text: await res.text() };
}

export const patchStatus = (s: TestServer, ds: string, sessionId: string, condition: Record<string, unknown>) =>
  s.request('PATCH', `${importsPath(s, ds)}/${sessionId}/status`, {
    body: { status: { conditions: [{ condition: 'FilesInserted', status: 'Reached', lastTransitionTime: Date.now(), ...condition }] } },
  });

/** The SDK's terminal rule: conditions non-empty and all Reached, or any FailedReach. */
export async function waitImportDone(s: TestServer, ds: string, sessionId: string) {
  return waitFor(async () => {
    const r = await s.request('GET', `${importsPath(s, ds)}/${sessionId}`);
    const cs = r.json?.status?.conditions ?? [];
    const done = (cs.length > 0 && cs.every((c: any) => c.status === 'Reached')) || cs.some((c: any) => c.status === 'FailedReach');
    return done ? r : undefined;
  }, `annotation import ${sessionId}`);
}

/** The whole upload; returns the final session response. */
export async function importAnnotations(s: TestServer, ds: string, files: ImportFile[], policies: Policies = {}) {
  const created = await createImport(s, ds, policies);
  if (created.status !== 200) throw new Error(`import session creation failed: ${created.status} ${created.text}`);
  const id = created.json.annotationImportSessionId;
  const announced = await announce(s, ds, id, files);
  if (announced.status !== 200) throw new Error(`announce failed: ${announced.status} ${announced.text}`);
  const uploads = Object.values(announced.json.files) as any[];
  for (const [i, f] of files.entries()) {
    const r = await putFile(uploads[i], f.bytes);
    if (r.status >= 300) throw new Error(`PUT failed: ${r.status} ${r.text}`);
  }
  const patched = await patchStatus(s, ds, id, {});
  if (patched.status !== 200) throw new Error(`PATCH failed: ${patched.status} ${patched.text}`);
  return waitImportDone(s, ds, id);
}
