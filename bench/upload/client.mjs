// The HTTP client every contender shares: undici, a pool of keep-alive connections, N uploads in
// flight, each file read from disk when its turn comes (as an uploading tool would).
import fs from 'node:fs/promises';
import { Pool } from 'undici';

/**
 * PUTs every target with `concurrency` requests in flight over as many keep-alive connections.
 * target: { url, file, headers, ok: (status) => boolean }. Returns per-request latencies (ms).
 * Throws on the first refused upload: a benchmark of failures measures nothing.
 */
export async function putAll(targets, concurrency) {
  const pools = new Map();
  const poolFor = (origin) => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
      pools.set(origin, pool);
    }
    return pool;
  };
  const latencies = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i];
      const body = await fs.readFile(t.file);
      const url = new URL(t.url);
      const started = performance.now();
      const res = await poolFor(url.origin).request({ method: 'PUT', path: url.pathname + url.search, headers: t.headers, body });
      const text = await res.body.text();
      latencies[i] = performance.now() - started;
      if (!t.ok(res.statusCode)) throw new Error(`PUT ${url.pathname} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  return latencies;
}

/** A JSON request (API calls of the Vi flow). */
export async function json(pool, method, path, headers, body) {
  const res = await pool.request({
    method,
    path,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export function percentile(values, p) {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
