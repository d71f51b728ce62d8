// Assets, asset ingestion sessions and bulk asset deletion of the Vi protocol (§3.3, §5.1, §8.2, §8.3).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Asset,
  AssetIngestionSession,
  AssetListQuery,
  BulkAssetDeletionSession,
  CreateAssetIngestionSessionRequest,
  CreateBulkAssetDeletionRequest,
  Page,
} from '@vireo/wire';
import Type from 'typebox';
import type { AssetServices } from '../domain/asset-services.js';
import * as assets from '../domain/assets.js';
import { createBulkDeletion, getBulkDeletion } from '../domain/bulk-delete.js';
import { createSession, getSession } from '../domain/ingestion.js';
import { presentAsset, presentDeletionSession, presentSession } from './asset-presenters.js';
import { datasetIdFromSegment } from './ids.js';
import { errorResponses, viSecurity } from './schemas.js';
import { SignedLinks } from './signed-links.js';

const AssetParams = Type.Object({ org: Type.String(), ds: Type.String(), assetId: Type.String() });
const DsParams = Type.Object({ org: Type.String(), ds: Type.String() });
const SessionParams = Type.Object({ org: Type.String(), ds: Type.String(), sessionId: Type.String() });
const ContentsQuery = Type.Object({ contents: Type.Optional(Type.String({ description: '`y` to include signed download URLs' })) });

const INGESTION = '/workspaces/:org/datasets/:ds/assetSources/managed/datature/transient/assetIngestionSessions';

/** `y` (what the SDK sends), `true` or `1`. */
const yes = (v: string | undefined) => v !== undefined && ['y', 'yes', 'true', '1'].includes(v.toLowerCase());

export const assetRoutes: FastifyPluginAsyncTypebox<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  const links = new SignedLinks(svc.signer, svc.publicUrl, svc.limits.downloadUrlTtlMs, svc.ctx.now);
  const tags = ['assets'];
  const dsOf = (p: { org: string; ds: string }) => datasetIdFromSegment(p.org, p.ds);

  app.get(
    '/workspaces/:org/datasets/:ds/assets',
    {
      schema: {
        summary: 'List assets (keyset pagination: pass nextPage as p)',
        tags,
        security: viSecurity,
        params: DsParams,
        querystring: AssetListQuery,
        response: { 200: Page(Asset), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await assets.listAssets(svc, request.principal.organizationId, dsOf(request.params), {
        pageToken: q.p || undefined,
        pageSize: q.s ?? 10,
        sortBy: q.sortBy,
        order: q.o,
        filter: q.filter,
        metadataQuery: q.metadataQuery,
        ruleQuery: q.ruleQuery,
        strict: yes(q.strictQuery),
      });
      const withContents = yes(q.contents);
      return { items: page.items.map((v) => presentAsset(v, withContents ? links : undefined)), nextPage: page.nextPage, prevPage: null };
    },
  );

  app.get(
    '/workspaces/:org/datasets/:ds/assets/:assetId',
    {
      schema: {
        summary: 'Get an asset',
        tags,
        security: viSecurity,
        params: AssetParams,
        querystring: ContentsQuery,
        response: { 200: Asset, ...errorResponses },
      },
    },
    async (request) => {
      const view = await assets.getAsset(svc, request.principal.organizationId, dsOf(request.params), request.params.assetId);
      return presentAsset(view, yes(request.query.contents) ? links : undefined);
    },
  );

  app.delete(
    '/workspaces/:org/datasets/:ds/assets/:assetId',
    {
      schema: {
        summary: 'Delete an asset and its annotations (empty 204)',
        tags,
        security: viSecurity,
        params: AssetParams,
        response: { 204: Type.Null({ description: 'No content' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await assets.deleteAsset(svc, request.principal, dsOf(request.params), request.params.assetId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    INGESTION,
    {
      schema: {
        summary: 'Start an asset ingestion session: one signed PUT URL per file that still needs bytes',
        tags,
        security: viSecurity,
        params: DsParams,
        body: CreateAssetIngestionSessionRequest,
        response: { 200: AssetIngestionSession, ...errorResponses },
      },
    },
    async (request) => presentSession(await createSession(svc, request.principal, dsOf(request.params), request.body.spec), links),
  );

  app.get(
    `${INGESTION}/:sessionId`,
    {
      schema: {
        summary: 'Progress of an asset ingestion session',
        tags,
        security: viSecurity,
        params: SessionParams,
        response: { 200: AssetIngestionSession, ...errorResponses },
      },
    },
    async (request) =>
      presentSession(await getSession(svc, request.principal.organizationId, dsOf(request.params), request.params.sessionId), links),
  );

  app.post(
    '/workspaces/:org/datasets/:ds/deleteManyAssetsSessions',
    {
      schema: {
        summary: 'Delete the assets a query selects, in the background (an empty spec is refused; "filter": "*" means all)',
        tags,
        security: viSecurity,
        params: DsParams,
        body: CreateBulkAssetDeletionRequest,
        response: { 200: BulkAssetDeletionSession, ...errorResponses },
      },
    },
    async (request) => presentDeletionSession(await createBulkDeletion(svc, request.principal, dsOf(request.params), request.body.spec)),
  );

  app.get(
    '/workspaces/:org/datasets/:ds/deleteManyAssetsSessions/:sessionId',
    {
      schema: {
        summary: 'Progress of a bulk asset deletion',
        tags,
        security: viSecurity,
        params: SessionParams,
        response: { 200: BulkAssetDeletionSession, ...errorResponses },
      },
    },
    async (request) =>
      presentDeletionSession(await getBulkDeletion(svc, request.principal.organizationId, dsOf(request.params), request.params.sessionId)),
  );
};
