// Prometheus metrics: requests and latencies per route, job queue depth, process figures.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobQueue } from '../jobs/queue.js';
import type { CommitQueue } from '../store/commit-queue.js';

export interface Metrics {
  registry: Registry;
  observe(request: FastifyRequest, reply: FastifyReply): void;
}

export function createMetrics(queue: JobQueue, commits?: CommitQueue): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vireo_' });
  const requests = new Counter({
    name: 'vireo_http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vireo_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'vireo_jobs',
    help: 'Background jobs waiting or running, by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of await queue.depth()) this.set({ kind: d.kind, status: d.status }, d.count);
    },
  });
  if (commits) {
    // Group commit: operations per batch says how well per-file writes share commits.
    new Counter({
      name: 'vireo_commit_batches_total',
      help: 'Transactions committed by the group-commit queue',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(commits.stats.batches);
      },
    });
    new Counter({
      name: 'vireo_commit_operations_total',
      help: 'Operations (one per settled upload, claim, ...) carried by group-commit batches',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(commits.stats.operations);
      },
    });
  }
  return {
    registry,
    observe(request, reply) {
      const route = request.routeOptions.url ?? 'unmatched';
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    },
  };
}
