// Environment -> typed, validated configuration. Every problem is reported at once, each naming
// the variable to fix, and the server does not start until they are fixed.
import os from 'node:os';
import path from 'node:path';
import { parseAllowList, EMPTY_ALLOW_LIST, type AllowList } from './domain/url-allow.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface DatabaseConfig {
  dialect: 'sqlite' | 'postgres';
  /** SQLite: absolute file path. PostgreSQL: the connection string. */
  url: string;
  /** PostgreSQL schema holding Vireo's tables (created when missing). */
  schema: string;
  poolSize: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  /** Base of every signed URL; undefined means http://localhost:<the port actually bound>. */
  publicUrl: string | undefined;
  /** undefined means: generated once and kept in <dataDir>/signing-secret. */
  signingSecret: string | undefined;
  logLevel: LogLevel;
  init: { organizationId: string | undefined; organizationName: string; secretKey: string | undefined };
  jobs: { concurrency: number; pollMs: number; leaseMs: number };
  /** Seconds to wait for in-flight requests and jobs on shutdown. */
  shutdownGraceSeconds: number;
  /** Server processes `vireo serve` runs on this machine, sharing the port, the data and the database. */
  processes: number;
  assets: AssetLimits;
  /** Server-side fetches of user-supplied URLs (docs/configuration.md, "URL ingest"). */
  urlIngest: UrlIngestConfig;
}

export interface UrlIngestConfig {
  /** Hosts and ranges a URL fetch may reach besides public addresses (VIREO_URL_INGEST_ALLOW). */
  allow: AllowList;
}

/** Limits and lifetimes of asset ingestion and downloads (docs/configuration.md, "Assets"). */
export interface AssetLimits {
  /** Files one ingestion session may announce. */
  maxFilesPerSession: number;
  /** Bytes one file may have. */
  maxUploadBytes: number;
  /** Lifetime of upload URLs, and so the deadline of an ingestion session. */
  uploadUrlTtlMs: number;
  /** Lifetime of download URLs. */
  downloadUrlTtlMs: number;
  /** Images with more pixels are refused (decompression bombs). */
  maxImagePixels: number;
  /** A blob touched by an upload this recently is never collected. */
  blobGcGraceMs: number;
  /** How long a dataset export (and its archive) is kept after it finished. */
  exportTtlMs: number;
  /** TwelveLabs surface (docs/twelvelabs.md): largest video/audio file of a direct upload. */
  tlDirectMaxBytes: number;
  /** TwelveLabs surface: largest video/audio file fetched by URL. */
  tlUrlMaxBytes: number;
  /** TwelveLabs surface: largest image, however it arrives. */
  tlImageMaxBytes: number;
  /** TwelveLabs surface: how much of a refused upload's body is read (and discarded) so the client gets the 413. */
  tlDrainMaxBytes: number;
  /** TwelveLabs surface: time limit of one URL download. */
  tlUrlTimeoutMs: number;
  /** TwelveLabs multipart uploads: bytes per chunk (every chunk but the last). */
  tlMultipartChunkBytes: number;
  /** TwelveLabs multipart uploads: largest video/audio file (images keep tlImageMaxBytes). */
  tlMultipartMaxBytes: number;
  /** TwelveLabs multipart uploads: an upload not complete this long after its creation expires. */
  tlMultipartTtlMs: number;
  /** TwelveLabs multipart uploads: how often expired uploads and leftover parts are cleaned up. */
  tlMultipartSweepMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SECRET_KEY_PATTERN = /^dtvi_[A-Za-z0-9_-]{98}$/;

/** Reads the configuration from `env` (process.env merged with `vireo serve` flags). */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };

  const port = int('PORT', 8080, 0, 65535);
  const processesRaw = read('VIREO_PROCESSES');
  let processes = processesRaw === 'auto' ? os.availableParallelism() : Number(processesRaw ?? 1);
  if (processesRaw !== undefined && processesRaw !== 'auto' && !(/^\d+$/.test(processesRaw) && processes >= 1 && processes <= 256)) {
    problems.push(`VIREO_PROCESSES: must be "auto" (one per CPU) or an integer from 1 to 256 (got "${processesRaw}")`);
    processes = 1;
  }
  const dataDir = path.resolve(cwd, read('VIREO_DATA_DIR') ?? '.vireo');

  const database = parseDatabase(read('DATABASE_URL'), dataDir, cwd, problems);
  const schema = read('VIREO_DATABASE_SCHEMA') ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    problems.push(`VIREO_DATABASE_SCHEMA: must be a lower-case SQL identifier (got "${schema}")`);
  }

  let publicUrl = read('VIREO_PUBLIC_URL');
  if (publicUrl !== undefined) {
    try {
      const u = new URL(publicUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      publicUrl = publicUrl.replace(/\/+$/, '');
    } catch {
      problems.push(`VIREO_PUBLIC_URL: must be an absolute http(s) URL such as https://vireo.example.com (got "${publicUrl}")`);
    }
  }

  const signingSecret = read('VIREO_SIGNING_SECRET');
  if (signingSecret !== undefined && signingSecret.length < 32) {
    problems.push('VIREO_SIGNING_SECRET: must be at least 32 characters (for example `openssl rand -hex 32`)');
  }

  const logLevel = (read('VIREO_LOG_LEVEL') ?? read('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`VIREO_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  const initSecretKey = read('VIREO_INIT_SECRET_KEY');
  if (initSecretKey !== undefined && !SECRET_KEY_PATTERN.test(initSecretKey)) {
    problems.push('VIREO_INIT_SECRET_KEY: must be "dtvi_" followed by 98 characters from A-Z a-z 0-9 _ - (103 in all)');
  }
  const initOrganizationId = read('VIREO_INIT_ORGANIZATION_ID');
  if (initOrganizationId !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(initOrganizationId)) {
    problems.push('VIREO_INIT_ORGANIZATION_ID: must be 1-64 characters from A-Z a-z 0-9 - (no "_", no "/")');
  }

  let urlIngestAllow = EMPTY_ALLOW_LIST;
  try {
    urlIngestAllow = parseAllowList(read('VIREO_URL_INGEST_ALLOW'));
  } catch (err) {
    problems.push(`VIREO_URL_INGEST_ALLOW: ${(err as Error).message}; give comma-separated host names, IP addresses or CIDR ranges`);
  }

  const config: Config = {
    port,
    host: read('HOST') ?? 'localhost',
    dataDir,
    database: {
      ...database,
      schema,
      poolSize: int('VIREO_DATABASE_POOL_SIZE', 10, 1, 1000),
    },
    publicUrl,
    signingSecret,
    logLevel,
    init: {
      organizationId: initOrganizationId,
      organizationName: read('VIREO_INIT_ORGANIZATION_NAME') ?? 'My organization',
      secretKey: initSecretKey,
    },
    jobs: {
      concurrency: int('VIREO_WORKERS', 2, 0, 256),
      pollMs: int('VIREO_JOB_POLL_MS', 1000, 10, 600_000),
      leaseMs: int('VIREO_JOB_LEASE_MS', 60_000, 1000, 3_600_000),
    },
    shutdownGraceSeconds: int('VIREO_SHUTDOWN_GRACE_SECONDS', 30, 0, 3600),
    processes,
    assets: {
      maxFilesPerSession: int('VIREO_MAX_FILES_PER_SESSION', 10_000, 1, 1_000_000),
      maxUploadBytes: int('VIREO_MAX_UPLOAD_BYTES', 200 * 1024 * 1024, 1, 2 ** 50),
      uploadUrlTtlMs: int('VIREO_UPLOAD_URL_TTL_SECONDS', 3600, 1, 7 * 24 * 3600) * 1000,
      downloadUrlTtlMs: int('VIREO_DOWNLOAD_URL_TTL_SECONDS', 3600, 1, 7 * 24 * 3600) * 1000,
      maxImagePixels: int('VIREO_MAX_IMAGE_PIXELS', 268_402_689, 1, 2 ** 50),
      blobGcGraceMs: int('VIREO_BLOB_GC_GRACE_SECONDS', 600, 0, 7 * 24 * 3600) * 1000,
      exportTtlMs: int('VIREO_EXPORT_TTL_SECONDS', 24 * 3600, 1, 365 * 24 * 3600) * 1000,
      tlDirectMaxBytes: int('VIREO_TL_DIRECT_MAX_BYTES', 200 * 1024 * 1024, 1, 2 ** 50),
      tlUrlMaxBytes: int('VIREO_TL_URL_MAX_BYTES', 4 * 1024 ** 3, 1, 2 ** 50),
      tlImageMaxBytes: int('VIREO_TL_IMAGE_MAX_BYTES', 32 * 1024 * 1024, 1, 2 ** 50),
      tlDrainMaxBytes: int('VIREO_TL_DRAIN_MAX_BYTES', 1024 ** 3, 0, 2 ** 50),
      tlUrlTimeoutMs: int('VIREO_TL_URL_TIMEOUT_SECONDS', 600, 1, 24 * 3600) * 1000,
      tlMultipartChunkBytes: int('VIREO_TL_MULTIPART_CHUNK_BYTES', 16 * 1024 * 1024, 1, 5 * 1024 ** 3),
      tlMultipartMaxBytes: int('VIREO_TL_MULTIPART_MAX_BYTES', 10 * 1024 ** 3, 1, 2 ** 50),
      tlMultipartTtlMs: int('VIREO_TL_MULTIPART_EXPIRY_SECONDS', 24 * 3600, 1, 30 * 24 * 3600) * 1000,
      tlMultipartSweepMs: int('VIREO_TL_MULTIPART_SWEEP_SECONDS', 300, 1, 24 * 3600) * 1000,
    },
    urlIngest: {
      allow: urlIngestAllow,
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseDatabase(
  raw: string | undefined,
  dataDir: string,
  cwd: string,
  problems: string[],
): Pick<DatabaseConfig, 'dialect' | 'url'> {
  if (raw === undefined) return { dialect: 'sqlite', url: path.join(dataDir, 'vireo.db') };
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      problems.push('DATABASE_URL: not a valid postgres:// URL');
    }
    return { dialect: 'postgres', url: raw };
  }
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') problems.push('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/vireo.db');
    return { dialect: 'sqlite', url: path.resolve(cwd, file) };
  }
  problems.push(`DATABASE_URL: must start with postgres://, postgresql:// or sqlite: (got "${raw.replace(/:[^:@/]*@/, ':***@')}")`);
  return { dialect: 'sqlite', url: path.join(dataDir, 'vireo.db') };
}
