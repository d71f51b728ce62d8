// Annotations (§3.4) and annotation import sessions (§5.2) of the Vi protocol, and the signed PUT
// that receives the bytes of an import's files.
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AddAnnotationImportFilesRequest,
  Annotation,
  AnnotationImportFilesResponse,
  AnnotationImportSession,
  AnnotationListQuery,
  CreateAnnotationImportSessionRequest,
  Page,
  PatchAnnotationImportStatusRequest,
} from '@vireo/wire';
import Type from 'typebox';
import { encodeSegment } from '../blobs/signed-urls.js';
import type { AssetServices } from '../domain/asset-services.js';
import * as annotations from '../domain/annotations.js';
import {
  addImportFiles,
  createImportSession,
  findImportUpload,
  getImportSession,
  receiveImportFile,
  reportFilesInserted,
} from '../domain/annotation-import.js';
import { AppError } from '../domain/errors.js';
import { presentAnnotation, presentImportSession } from './annotation-presenters.js';
import { verifySignature } from './blob-reply.js';
import { closeIfUnread } from './files.js';
import { datasetIdFromSegment } from './ids.js';
import { errorResponses, viSecurity } from './schemas.js';

const DsParams = Type.Object({ org: Type.String(), ds: Type.String() });
const AssetParams = Type.Object({ org: Type.String(), ds: Type.String(), assetId: Type.String() });
const AnnotationParams = Type.Object({ org: Type.String(), ds: Type.String(), assetId: Type.String(), annotationId: Type.String() });
const SessionParams = Type.Object({ org: Type.String(), ds: Type.String(), sessionId: Type.String() });

const SESSIONS = '/workspaces/:org/datasets/:ds/annotationImportSessions';
const ANNOTATIONS = '/workspaces/:org/datasets/:ds/assets/:assetId/annotations';

export const importUploadPath = (sessionId: string, idx: number, name: string) => `/uploads/annotations/${sessionId}/${idx}/${encodeSegment(name)}`;

export const annotationRoutes: FastifyPluginAsyncTypebox<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  const tags = ['annotations'];
  const dsOf = (p: { org: string; ds: string }) => datasetIdFromSegment(p.org, p.ds);

  app.get(
    ANNOTATIONS,
    {
      schema: {
        summary: "List an asset's annotations (one item per part; pass nextPage as pageToken)",
        tags,
        security: viSecurity,
        params: AssetParams,
        querystring: AnnotationListQuery,
        response: { 200: Page(Annotation), ...errorResponses },
      },
    },
    async (request) => {
      const org = request.principal.organizationId;
      const page = await annotations.listAnnotations(svc.ctx, org, dsOf(request.params), request.params.assetId, {
        pageToken: request.query.pageToken || undefined,
        pageSize: request.query.pageSize ?? 10,
      });
      return { items: page.items.map((r) => presentAnnotation(r, org, page.tags)), nextPage: page.nextPage, prevPage: null };
    },
  );

  app.get(
    `${ANNOTATIONS}/:annotationId`,
    { schema: { summary: 'Get one annotation part', tags, security: viSecurity, params: AnnotationParams, response: { 200: Annotation, ...errorResponses } } },
    async (request) => {
      const org = request.principal.organizationId;
      const p = request.params;
      const { row, tags: names } = await annotations.getAnnotation(svc.ctx, org, dsOf(p), p.assetId, p.annotationId);
      return presentAnnotation(row, org, names);
    },
  );

  app.delete(
    `${ANNOTATIONS}/:annotationId`,
    {
      schema: {
        summary: 'Delete one annotation part (empty 204)',
        tags,
        security: viSecurity,
        params: AnnotationParams,
        response: { 204: Type.Null({ description: 'No content' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.params;
      await annotations.deleteAnnotation(svc.ctx, request.principal.organizationId, dsOf(p), p.assetId, p.annotationId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    SESSIONS,
    {
      schema: {
        summary: 'Start an annotation import session',
        tags,
        security: viSecurity,
        params: DsParams,
        body: CreateAnnotationImportSessionRequest,
        response: { 200: AnnotationImportSession, ...errorResponses },
      },
    },
    async (request) =>
      presentImportSession(
        await createImportSession(svc, request.principal, dsOf(request.params), request.body.spec, request.body.metadata?.attributes),
      ),
  );

  app.get(
    `${SESSIONS}/:sessionId`,
    {
      schema: {
        summary: 'Progress of an annotation import session',
        tags,
        security: viSecurity,
        params: SessionParams,
        response: { 200: AnnotationImportSession, ...errorResponses },
      },
    },
    async (request) =>
      presentImportSession(await getImportSession(svc, request.principal.organizationId, dsOf(request.params), request.params.sessionId)),
  );

  app.post(
    `${SESSIONS}/:sessionId/files`,
    {
      schema: {
        summary: 'Announce files of an import session: one signed PUT URL per file, in the order given',
        tags,
        security: viSecurity,
        params: SessionParams,
        body: AddAnnotationImportFilesRequest,
        response: { 200: AnnotationImportFilesResponse, ...errorResponses, 409: errorResponses[400], 413: errorResponses[400] },
      },
    },
    async (request) => {
      const entries = Object.entries(request.body.files);
      const { view, indexes } = await addImportFiles(
        svc,
        request.principal,
        dsOf(request.params),
        request.params.sessionId,
        entries.map(([name, f]) => ({ name, sizeBytes: f.sizeBytes, crc32c: f.crc32c, kind: f.kind })),
      );
      const expiresAt = view.session.upload_before;
      const base = svc.publicUrl();
      const files: Record<string, { method: string; url: string; headers: Record<string, string> }> = {};
      entries.forEach(([name], i) => {
        const path = importUploadPath(view.session.id, indexes[i]!, name);
        files[name] = { method: 'PUT', url: `${base}${path}?${svc.signer.sign('PUT', path, expiresAt)}`, headers: {} };
      });
      return { files };
    },
  );

  app.patch(
    `${SESSIONS}/:sessionId/status`,
    {
      schema: {
        summary: 'Report FilesInserted (Reached: all files uploaded, start the import; FailedReach: give up)',
        tags,
        security: viSecurity,
        params: SessionParams,
        body: PatchAnnotationImportStatusRequest,
        response: { 200: AnnotationImportSession, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (request) =>
      presentImportSession(
        await reportFilesInserted(svc, request.principal, dsOf(request.params), request.params.sessionId, request.body.status.conditions),
      ),
  );
};

/** The signed PUT of an import file's bytes (no auth headers: the signature is the credential). */
export const annotationFileRoutes: FastifyPluginAsync<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.put<{ Params: { session: string; idx: string; name: string } }>(
    '/uploads/annotations/:session/:idx/:name',
    { schema: { hide: true } },
    async (request, reply) => {
      verifySignature(svc.signer, request, svc.ctx.now());
      const idx = Number(request.params.idx);
      if (!Number.isSafeInteger(idx) || idx < 0) throw new AppError('NotFound', 'No such upload');
      const { session, file } = await findImportUpload(svc, request.params.session, idx);
      const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
      try {
        await receiveImportFile(svc, session, file, request.raw, Number.isFinite(length) ? length : undefined);
      } catch (err) {
        closeIfUnread(request, reply);
        throw err;
      }
      return reply.status(200).send();
    },
  );
};
