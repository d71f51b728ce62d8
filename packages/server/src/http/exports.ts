// Dataset exports of the Vi protocol (§3.2, §6.2): create, list, get; and the signed archive
// download (HEAD with Content-Length, Range -> 206), authorised by its URL alone.
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreateDatasetExportRequest, DatasetExport, Page } from '@vireo/wire';
import Type from 'typebox';
import type { AssetServices } from '../domain/asset-services.js';
import { archiveForDownload, createExport, exportSettings, getExport, listExports, type ExportRow } from '../domain/exports.js';
import { sendBlob, verifySignature } from './blob-reply.js';
import { presentExport } from './export-presenters.js';
import { datasetIdFromSegment } from './ids.js';
import { DatasetParams, errorResponses, viSecurity } from './schemas.js';
import { SignedLinks } from './signed-links.js';

const ExportParams = Type.Object({ org: Type.String(), ds: Type.String(), exportId: Type.String() });
const BASE = '/workspaces/:org/datasets/:ds/datasetExports';

export const exportRoutes: FastifyPluginAsyncTypebox<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  const links = new SignedLinks(svc.signer, svc.publicUrl, svc.limits.downloadUrlTtlMs, svc.ctx.now);
  const urlOf = (e: ExportRow) => links.exportArchive(e.id, e.dataset_id, e.expires_at);
  const tags = ['exports'];
  const dsOf = (p: { org: string; ds: string }) => datasetIdFromSegment(p.org, p.ds);

  app.post(
    BASE,
    {
      schema: {
        summary: 'Export a dataset as a ZIP archive (ViFull: images and annotations; ViJsonl: annotations only), built in the background',
        tags,
        security: viSecurity,
        params: DatasetParams,
        body: Type.Union([CreateDatasetExportRequest, Type.Null()]),
        response: { 200: DatasetExport, ...errorResponses },
      },
    },
    async (request) => {
      const settings = exportSettings(request.body?.spec);
      return presentExport(await createExport(svc, request.principal, dsOf(request.params), settings), urlOf);
    },
  );

  app.get(
    BASE,
    {
      schema: {
        summary: "The dataset's exports, newest first (one page)",
        tags,
        security: viSecurity,
        params: DatasetParams,
        response: { 200: Page(DatasetExport), ...errorResponses },
      },
    },
    async (request) => {
      const rows = await listExports(svc, request.principal.organizationId, dsOf(request.params));
      return { items: rows.map((r) => presentExport(r, urlOf)), nextPage: null, prevPage: null };
    },
  );

  app.get(
    `${BASE}/:exportId`,
    {
      schema: {
        summary: 'An export: progress in its conditions, and status.downloadUrl once the archive is ready',
        tags,
        security: viSecurity,
        params: ExportParams,
        response: { 200: DatasetExport, ...errorResponses },
      },
    },
    async (request) =>
      presentExport(await getExport(svc, request.principal.organizationId, dsOf(request.params), request.params.exportId), urlOf),
  );
};

export const exportFileRoutes: FastifyPluginAsync<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  app.route<{ Params: { exportId: string; name: string } }>({
    method: ['GET', 'HEAD'],
    url: '/files/exports/:exportId/:name',
    schema: { hide: true },
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      verifySignature(svc.signer, request, svc.ctx.now());
      const e = await archiveForDownload(svc, request.params.exportId);
      return sendBlob(request, reply, svc.blobs, {
        sha256: e.archive_sha256,
        size: e.archive_size,
        contentType: 'application/zip',
        cacheControl: 'private, max-age=3600',
        disposition: `attachment; filename="${e.dataset_id.replace(/[^A-Za-z0-9._-]/g, '_')}.zip"`,
      });
    },
  });
};
