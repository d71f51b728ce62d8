// Builds the Fastify application: error mapping, JSON parsing, logging, metrics, OpenAPI, and one
// plugin per resource. Knows nothing of how the server is started.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AssetServices } from '../domain/asset-services.js';
import type { DomainContext } from '../domain/context.js';
import { annotationFileRoutes, annotationRoutes } from './annotations.js';
import { assetRoutes } from './assets.js';
import { KeyResolver, viAuthHook } from './auth.js';
import { datasetRoutes } from './datasets.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { exportFileRoutes, exportRoutes } from './exports.js';
import { fileRoutes } from './files.js';
import { keyRoutes } from './keys.js';
import { limitsRoutes } from './limits.js';
import type { Metrics } from './metrics.js';
import { opsRoutes } from './ops.js';
import { organizationRoutes } from './organizations.js';
import { twelvelabsAuthHook } from './twelvelabs-auth.js';
import { twelvelabsRoutes } from './twelvelabs.js';
import { twelvelabsChunkRoutes, twelvelabsMultipartRoutes } from './twelvelabs-multipart.js';
import type { App } from './types.js';
import { parseJsonBody, validatorCompiler } from './validation.js';

export interface AppOptions {
  ctx: DomainContext;
  log: Logger;
  metrics: Metrics;
  version: string;
  assets: AssetServices;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(o: AppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: o.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 8 * 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  app.decorate('ctx', o.ctx);
  app.decorateRequest('principal', null as never);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // The Python SDK sends "Content-Type: application/json" on bodiless DELETEs: an empty JSON body is no body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    o.metrics.observe(request, reply);
    // Paths only: query strings can carry URL signatures.
    request.log.info({ method: request.method, path: pathOf(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vireo',
        version: o.version,
        description: 'The Vi protocol (at /workspaces), the TwelveLabs assets protocol (at /v1.3) and Vireo\'s own additions.',
      },
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer', description: 'A secret key: dtvi_ followed by 98 characters' },
          organizationId: { type: 'apiKey', in: 'header', name: 'Organization-Id' },
        },
      },
    },
  });

  await app.register(opsRoutes, { metrics: o.metrics, version: o.version });

  const keys = new KeyResolver(o.ctx);
  await app.register(async (vi) => {
    vi.addHook('onRequest', viAuthHook(keys));
    await vi.register(organizationRoutes);
    await vi.register(datasetRoutes);
    await vi.register(keyRoutes, { keys });
    await vi.register(assetRoutes, { assets: o.assets });
    await vi.register(limitsRoutes, { assets: o.assets });
    await vi.register(annotationRoutes, { assets: o.assets });
    await vi.register(exportRoutes, { assets: o.assets });
  });
  await app.register(fileRoutes, { assets: o.assets });
  await app.register(annotationFileRoutes, { assets: o.assets });
  await app.register(exportFileRoutes, { assets: o.assets });
  await app.register(
    async (tl) => {
      tl.addHook('onRequest', twelvelabsAuthHook(keys));
      await tl.register(twelvelabsRoutes, { assets: o.assets });
      await tl.register(twelvelabsMultipartRoutes, { assets: o.assets });
    },
    { prefix: '/v1.3' },
  );
  // Chunk bytes of multipart uploads: signed URLs, no x-api-key.
  await app.register(twelvelabsChunkRoutes, { assets: o.assets });

  return app;
}

const pathOf = (request: FastifyRequest) => request.url.split('?')[0];
