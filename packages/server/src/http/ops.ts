// Operations endpoints: health, Prometheus metrics, the OpenAPI document. No authentication.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import Type from 'typebox';
import type { Metrics } from './metrics.js';

export const opsRoutes: FastifyPluginAsyncTypebox<{ metrics: Metrics; version: string }> = async (app, { metrics, version }) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and database reachability',
        tags: ['operations'],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), database: Type.String() }),
          503: Type.Object({ status: Type.Literal('unavailable'), version: Type.String(), database: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(app.ctx.db);
        return { status: 'ok' as const, version, database: app.ctx.dialect };
      } catch (err) {
        app.log.error({ err }, 'health check: database unreachable');
        return reply.status(503).send({ status: 'unavailable' as const, version, database: 'unreachable' });
      }
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
