// TwelveLabs multipart uploads (twelvelabs-protocol.md §11). Two plugins: the JSON API, mounted
// with the other /v1.3 routes behind x-api-key; and the chunk PUT, authorized by its URL signature
// alone (the SDK sends no key with chunk bytes), registered outside that scope.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  TlCreateUploadResponse,
  TlErrorBody,
  TlIncompleteUploadList,
  TlPresignedUrlsResponse,
  TlReportChunksResponse,
  TlUploadStatusResponse,
  type TlPresignedUrl,
  type TlUploadStatusResponse as TlUploadStatus,
} from '@vireo/wire';
import type { AssetServices } from '../domain/asset-services.js';
import { AppError, invalid } from '../domain/errors.js';
import {
  checkCreateRequest,
  checkReportRequest,
  createUpload,
  listIncompleteUploads,
  moreChunkUrls,
  receiveChunk,
  reportChunks,
  uploadStatus,
  type ChunkUrl,
} from '../domain/twelvelabs-multipart.js';
import { signatureProblem } from './blob-reply.js';
import { rfc3339 } from './twelvelabs-presenters.js';

const MAX_PAGE_LIMIT = 50;
const errors = { 400: TlErrorBody, 401: TlErrorBody, 403: TlErrorBody, 404: TlErrorBody } as const;
const UploadParams = Type.Object({ uploadId: Type.String() });
const tags = ['twelvelabs'];

const presentUrl = (u: ChunkUrl): TlPresignedUrl => ({ chunk_index: u.index, url: u.url, expires_at: rfc3339(u.expiresAt) });

export const twelvelabsMultipartRoutes: FastifyPluginAsync<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  app.post(
    '/assets/multipart-uploads',
    { schema: { tags, summary: 'Create a multipart upload: answers its chunk size and signed chunk URLs (1-based)', response: { 201: TlCreateUploadResponse, ...errors, 413: TlErrorBody } } },
    async (request, reply) => {
      const { upload, urls } = await createUpload(svc, request.principal, checkCreateRequest(request.body));
      return reply.status(201).send({
        upload_id: upload.id,
        asset_id: upload.asset_id,
        upload_urls: urls.map(presentUrl),
        upload_headers: { 'Content-Type': 'application/octet-stream' },
        chunk_size: Number(upload.chunk_size),
        total_chunks: upload.total_chunks,
        expires_at: rfc3339(Number(upload.expires_at)),
      });
    },
  );

  app.get(
    '/assets/multipart-uploads',
    { schema: { tags, summary: 'List the uploads still taking chunks, newest first', response: { 200: TlIncompleteUploadList, ...errors } } },
    async (request) => {
      const { page, pageLimit } = paging(request);
      const { items, total } = await listIncompleteUploads(svc, request.principal.organizationId, page, pageLimit);
      return {
        data: items.map((u) => ({
          upload_id: u.id,
          status: u.status as 'active',
          total_size: Number(u.total_size),
          chunk_size: Number(u.chunk_size),
          total_chunks: u.total_chunks,
          created_at: rfc3339(Number(u.created_at)),
          expires_at: rfc3339(Number(u.expires_at)),
        })),
        page_info: { page, limit_per_page: pageLimit, total_page: Math.ceil(total / pageLimit), total_results: total },
      };
    },
  );

  app.get<{ Params: { uploadId: string } }>(
    '/assets/multipart-uploads/:uploadId',
    { schema: { tags, summary: 'Status of an upload, with one page of its chunks', params: UploadParams, response: { 200: TlUploadStatusResponse, ...errors } } },
    async (request) => {
      const { page, pageLimit } = paging(request);
      const s = await uploadStatus(svc, request.principal.organizationId, request.params.uploadId, page, pageLimit);
      const out: TlUploadStatus = {
        upload_id: s.upload.id,
        status: s.upload.status as TlUploadStatus['status'],
        uploaded_chunks: s.chunks.map((c) => ({
          index: c.index,
          status: c.status,
          ...(c.uploadedAt !== undefined ? { uploaded_at: rfc3339(c.uploadedAt) } : {}),
          ...(c.updatedAt !== undefined ? { updated_at: rfc3339(c.updatedAt) } : {}),
          ...(c.error !== undefined ? { error: c.error } : {}),
        })),
        chunks_completed: s.completed,
        chunks_failed: s.failed,
        chunks_pending: s.pending,
        page_info: { page, limit_per_page: pageLimit, total_page: Math.ceil(s.upload.total_chunks / pageLimit), total_results: s.upload.total_chunks },
        total_size: Number(s.upload.total_size),
        uploaded_size: s.uploadedSize,
        created_at: rfc3339(Number(s.upload.created_at)),
        updated_at: rfc3339(Number(s.upload.updated_at)),
      };
      if (s.upload.error) out.error = s.upload.error;
      return out;
    },
  );

  app.post<{ Params: { uploadId: string } }>(
    '/assets/multipart-uploads/:uploadId',
    { schema: { tags, summary: 'Report uploaded chunks (ETag proofs); the report completing the upload starts assembly', params: UploadParams, response: { 200: TlReportChunksResponse, ...errors } } },
    async (request) => {
      const r = await reportChunks(svc, request.principal.organizationId, request.params.uploadId, checkReportRequest(request.body));
      // No `url`: the SDK returns at the first answer carrying one, and the asset has no bytes to
      // link to until it is assembled; clients poll the asset (GET /assets/{asset_id}) until ready.
      return { asset_id: r.upload.asset_id, processed_chunks: r.processed, duplicate_chunks: r.duplicate, total_completed: r.totalCompleted };
    },
  );

  app.post<{ Params: { uploadId: string } }>(
    '/assets/multipart-uploads/:uploadId/presigned-urls',
    { schema: { tags, summary: 'Signed URLs for more chunks', params: UploadParams, response: { 200: TlPresignedUrlsResponse, ...errors } } },
    async (request) => {
      const { upload, start, urls } = await moreChunkUrls(svc, request.principal.organizationId, request.params.uploadId, request.body);
      const now = svc.ctx.now();
      return {
        upload_id: upload.id,
        start_index: start,
        count: urls.length,
        upload_urls: urls.map(presentUrl),
        generated_at: rfc3339(now),
        expires_at: rfc3339(urls[0]?.expiresAt ?? now),
      };
    },
  );
};

/** PUT of one chunk's raw bytes to its signed URL; answers the ETag that proves it. */
export const twelvelabsChunkRoutes: FastifyPluginAsync<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.put<{ Params: { uploadId: string; index: string } }>(
    '/v1.3/assets/multipart-uploads/:uploadId/chunks/:index',
    { schema: { hide: true } },
    async (request, reply) => {
      verifySignature(svc, request);
      const index = /^\d{1,9}$/.test(request.params.index) ? Number(request.params.index) : Number.NaN;
      const rawLength = request.headers['content-length'];
      const length = rawLength === undefined ? undefined : Number(rawLength);
      try {
        const etag = await receiveChunk(svc, request.params.uploadId, index, request.raw, Number.isFinite(length) ? length : undefined);
        return reply.status(200).header('etag', `"${etag}"`).send();
      } finally {
        // Refused before the body was read: Node discards the rest and keeps the connection,
        // which for a large chunk costs more than reconnecting.
        if (!request.raw.readableEnded && !(Number(length) <= 1024 * 1024)) reply.header('connection', 'close');
      }
    },
  );
};

/** blob-reply's check, with TwelveLabs error codes and a hint at how to get fresh chunk URLs. */
function verifySignature(svc: AssetServices, request: FastifyRequest): void {
  const problem = signatureProblem(svc.signer, request, svc.ctx.now());
  if (problem === 'expired') {
    throw new AppError('PermissionDenied', 'This chunk URL has expired: ask for new ones with POST /assets/multipart-uploads/{upload_id}/presigned-urls', { detail: 'url_expired' });
  }
  if (problem) throw new AppError('PermissionDenied', 'This chunk URL is not signed, or its signature does not match it', { detail: 'url_invalid' });
}

function paging(request: FastifyRequest): { page: number; pageLimit: number } {
  const q = request.query as Record<string, string | string[] | undefined>;
  const one = (key: string): string | undefined => {
    const v = q[key];
    if (Array.isArray(v)) {
      if (v.length > 1) throw invalid(`${key} must be given once`, 'parameter_invalid');
      return v[0];
    }
    return v;
  };
  const int = (key: string, fallback: number, max: number): number => {
    const raw = one(key);
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
      throw invalid(`${key} must be an integer from 1 to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max} (got "${raw}")`, 'parameter_invalid');
    }
    return Number(raw);
  };
  return { page: int('page', 1, Number.MAX_SAFE_INTEGER), pageLimit: int('page_limit', 10, MAX_PAGE_LIMIT) };
}
