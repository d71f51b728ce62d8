// Datasets of the Vi protocol (§3.2, §8.1) and Vireo's own creation endpoint.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreateDatasetRequest, Dataset, DeletedDataset, Page } from '@vireo/wire';
import * as datasets from '../domain/datasets.js';
import { datasetIdFromSegment } from './ids.js';
import { presentDataset, presentDeletedDataset } from './presenters.js';
import { DatasetParams, errorResponses, OrgParams, viSecurity } from './schemas.js';

export const datasetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['datasets'];

  app.get(
    '/workspaces/:org/datasets',
    {
      schema: {
        summary: 'List datasets (always one page: the Python SDK cannot page this list)',
        tags,
        security: viSecurity,
        params: OrgParams,
        response: { 200: Page(Dataset), ...errorResponses },
      },
    },
    async (request) => ({
      items: (await datasets.listDatasets(app.ctx, request.principal.organizationId)).map(presentDataset),
      nextPage: null,
      prevPage: null,
    }),
  );

  app.post(
    '/workspaces/:org/datasets',
    {
      schema: {
        summary: 'Create a dataset (Vireo addition)',
        tags,
        security: viSecurity,
        params: OrgParams,
        body: CreateDatasetRequest,
        response: { 201: Dataset, ...errorResponses },
      },
    },
    async (request, reply) => {
      const view = await datasets.createDataset(app.ctx, request.principal, request.body);
      return reply.status(201).send(presentDataset(view));
    },
  );

  app.get(
    '/workspaces/:org/datasets/:ds',
    {
      schema: { summary: 'Get a dataset', tags, security: viSecurity, params: DatasetParams, response: { 200: Dataset, ...errorResponses } },
    },
    async (request) => {
      const { org, ds } = request.params;
      return presentDataset(await datasets.getDataset(app.ctx, request.principal.organizationId, datasetIdFromSegment(org, ds)));
    },
  );

  app.delete(
    '/workspaces/:org/datasets/:ds',
    {
      schema: {
        summary: 'Delete a dataset: it disappears at once, its contents are removed in the background',
        tags,
        security: viSecurity,
        params: DatasetParams,
        response: { 200: DeletedDataset, ...errorResponses },
      },
    },
    async (request) => {
      const { org, ds } = request.params;
      return presentDeletedDataset(await datasets.deleteDataset(app.ctx, request.principal, datasetIdFromSegment(org, ds)));
    },
  );

  app.get(
    '/workspaces/:org/datasets/:ds/deleteOperation',
    {
      schema: {
        summary: 'Progress of a dataset deletion',
        tags,
        security: viSecurity,
        params: DatasetParams,
        response: { 200: DeletedDataset, ...errorResponses },
      },
    },
    async (request) => {
      const { org, ds } = request.params;
      return presentDeletedDataset(
        await datasets.getDeleteOperation(app.ctx, request.principal.organizationId, datasetIdFromSegment(org, ds)),
      );
    },
  );
};
