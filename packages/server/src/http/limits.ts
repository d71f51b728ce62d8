// GET /workspaces/{org}/limits (a Vireo addition): what a client must respect before sending bytes,
// so it can refuse an oversized file without uploading any of it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OrganizationLimits } from '@vireo/wire';
import type { AssetServices } from '../domain/asset-services.js';
import { errorResponses, OrgParams, viSecurity } from './schemas.js';

export const limitsRoutes: FastifyPluginAsyncTypebox<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  app.get(
    '/workspaces/:org/limits',
    {
      schema: {
        summary: 'Upload limits of the organization (Vireo addition)',
        tags: ['organizations'],
        security: viSecurity,
        params: OrgParams,
        response: { 200: OrganizationLimits, ...errorResponses },
      },
    },
    async () => ({ maxUploadBytes: svc.limits.maxUploadBytes, maxFilesPerSession: svc.limits.maxFilesPerSession }),
  );
};
