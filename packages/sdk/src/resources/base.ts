// What every resource needs: the transport, the organization, id checks, URL paths, polling.
import type { ResolvedConfig } from '../config.js';
import { ViInvalidParameterError, ViTimeoutError } from '../errors.js';
import type { RequestOptions, Transport } from '../http.js';
import { sleep } from '../retry.js';

const ID = /^[A-Za-z0-9_-]{1,255}$/;

export function checkId(name: string, value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new ViInvalidParameterError(`${name} must be 1-255 letters, digits, "_" or "-" (got ${JSON.stringify(value)})`);
  }
  return value;
}

export interface PollOptions {
  /** Give up after this many milliseconds (default: wait as long as it takes, like the Python SDK). */
  timeoutMs?: number | undefined;
  /** Stops waiting (the operation itself goes on on the server). */
  signal?: AbortSignal | undefined;
}

export class ResourceBase {
  constructor(
    protected readonly transport: Transport,
    protected readonly config: ResolvedConfig,
  ) {}

  protected get org(): string {
    return this.config.organizationId;
  }

  protected request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return this.transport.request<T>(method, path, options);
  }

  /** `/workspaces/{org}/datasets/{org}_{datasetId}`; an id that already carries the prefix keeps it. */
  protected datasetPath(datasetId: string): string {
    checkId('datasetId', datasetId);
    const seg = datasetId.startsWith(`${this.org}_`) ? datasetId : `${this.org}_${datasetId}`;
    return `/workspaces/${encodeURIComponent(this.org)}/datasets/${encodeURIComponent(seg)}`;
  }

  /** Re-reads until `done` says so. Quick polls first (short operations finish fast), then every pollIntervalMs. */
  protected async poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, o: PollOptions = {}): Promise<T> {
    const started = Date.now();
    for (let delay = Math.min(50, this.config.pollIntervalMs); ; delay = Math.min(delay * 2, this.config.pollIntervalMs)) {
      const value = await read();
      if (done(value)) return value;
      if (o.timeoutMs !== undefined && Date.now() - started > o.timeoutMs) {
        throw new ViTimeoutError(`${what} did not finish within ${o.timeoutMs} ms`);
      }
      await sleep(delay, o.signal);
    }
  }
}
