// GET /workspaces and GET /workspaces/{org} (vi-protocol.md §3.1).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Organization, Page } from '@vireo/wire';
import { listDatasets } from '../domain/datasets.js';
import { getOrganization } from '../domain/organizations.js';
import { presentOrganization } from './presenters.js';
import { errorResponses, OrgParams, viSecurity } from './schemas.js';

export const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const load = async (organizationId: string) => {
    const [org, datasets] = await Promise.all([
      getOrganization(app.ctx, organizationId),
      listDatasets(app.ctx, organizationId),
    ]);
    return presentOrganization(org, datasets.map((d) => d.dataset));
  };

  app.get(
    '/workspaces',
    {
      schema: {
        summary: 'List the organizations the key can see (its own)',
        tags: ['organizations'],
        security: viSecurity,
        response: { 200: Page(Organization), ...errorResponses },
      },
    },
    async (request) => ({ items: [await load(request.principal.organizationId)], nextPage: null, prevPage: null }),
  );

  app.get(
    '/workspaces/:org',
    {
      schema: {
        summary: 'Get an organization',
        tags: ['organizations'],
        security: viSecurity,
        params: OrgParams,
        response: { 200: Organization, ...errorResponses },
      },
    },
    async (request) => load(request.params.org),
  );
};
