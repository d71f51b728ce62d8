// A real Vireo server for a test: its own data directory and database, a random port, real HTTP.
import fs from 'node:fs';
import { loadConfig, type Env } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { createTestDatabase, tempDir, type DialectName, type TestDatabase } from './dialects.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the test organization's credentials (default true). */
  auth?: boolean;
}

export interface TestServer {
  url: string;
  organizationId: string;
  secretKey: string;
  dataDir: string;
  database: TestDatabase;
  server: RunningServer;
  /** Headers the Vi protocol needs. */
  authHeaders(secretKey?: string, organizationId?: string): Record<string, string>;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export async function startTestServer(dialect: DialectName, env: Env = {}): Promise<TestServer> {
  const dataDir = tempDir();
  const database = await createTestDatabase(dialect, dataDir);
  const config = loadConfig({
    PORT: '0',
    VIREO_DATA_DIR: dataDir,
    VIREO_LOG_LEVEL: process.env.VIREO_TEST_LOG ?? 'silent',
    VIREO_JOB_POLL_MS: '50',
    ...database.env,
    ...env,
  });
  const server = await startServer(config);
  const creds = server.bootstrap.credentials;
  if (!creds) throw new Error('test server has no credentials.json');
  const authHeaders = (secretKey = creds.secretKey, organizationId = creds.organizationId) => ({
    authorization: `Bearer ${secretKey}`,
    'organization-id': organizationId,
  });
  return {
    url: server.url,
    organizationId: creds.organizationId,
    secretKey: creds.secretKey,
    dataDir,
    database,
    server,
    authHeaders,
    request: (method, path, options = {}) => request(server.url, method, path, {
      ...options,
      headers: { ...(options.auth === false ? {} : authHeaders()), ...options.headers },
    }),
    close: async () => {
      await server.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function request<T = any>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(new URL(path, baseUrl), { method, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls `check` until it returns a value other than undefined (conditions, not sleeps). */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
