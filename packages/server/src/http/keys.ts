// Secret keys of the caller's organization (a Vireo addition).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ApiKey, CreateApiKeyRequest, CreatedApiKey, ErrorBody, Page } from '@vireo/wire';
import * as orgs from '../domain/organizations.js';
import type { KeyResolver } from './auth.js';
import { presentKey } from './presenters.js';
import { errorResponses, OrgParams, viSecurity } from './schemas.js';

export const keyRoutes: FastifyPluginAsyncTypebox<{ keys: KeyResolver }> = async (app, { keys }) => {
  const tags = ['keys'];

  app.get(
    '/workspaces/:org/keys',
    { schema: { summary: 'List secret keys', tags, security: viSecurity, params: OrgParams, response: { 200: Page(ApiKey), ...errorResponses } } },
    async (request) => ({
      items: (await orgs.listKeys(app.ctx, request.principal.organizationId)).map(presentKey),
      nextPage: null,
      prevPage: null,
    }),
  );

  app.post(
    '/workspaces/:org/keys',
    {
      schema: {
        summary: 'Create a secret key (the secret is shown only in this answer)',
        tags,
        security: viSecurity,
        params: OrgParams,
        body: Type.Optional(CreateApiKeyRequest),
        response: { 201: CreatedApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      const org = await orgs.getOrganization(app.ctx, request.principal.organizationId);
      const { key, secretKey } = await orgs.createKey(app.ctx, org, { name: request.body?.name });
      return reply.status(201).send({ ...presentKey(key), secretKey });
    },
  );

  app.delete(
    '/workspaces/:org/keys/:keyId',
    {
      schema: {
        summary: 'Revoke a secret key (not the last active one)',
        tags,
        security: viSecurity,
        params: Type.Object({ org: Type.String(), keyId: Type.String() }),
        response: { 204: Type.Null(), 409: ErrorBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      await orgs.revokeKey(app.ctx, request.principal.organizationId, request.params.keyId);
      keys.clear();
      return reply.status(204).send(null);
    },
  );
};
