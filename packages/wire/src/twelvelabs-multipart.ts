// TwelveLabs multipart uploads (twelvelabs-protocol.md §11), as `twelvelabs-js` 1.3.4's
// `multipartUpload` client parses them. Chunk indexes are 1-based. Requests are checked by hand
// on the server for TwelveLabs' precise error codes; these schemas document and serialize.
import Type, { type Static } from 'typebox';
import { TlPageInfo, TlUserMetadata } from './twelvelabs.js';

export const TlUploadType = Type.Union([Type.Literal('video'), Type.Literal('audio'), Type.Literal('image')]);

export const TlCreateUploadRequest = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 255 }),
  type: TlUploadType,
  total_size: Type.Integer({ minimum: 1, description: 'Bytes of the whole file' }),
  enable_hls: Type.Optional(Type.Boolean()),
  enable_thumbnail: Type.Optional(Type.Boolean()),
  user_metadata: Type.Optional(TlUserMetadata),
});

export const TlPresignedUrl = Type.Object({
  chunk_index: Type.Integer({ minimum: 1 }),
  url: Type.String({ description: 'PUT the chunk\'s raw bytes here, without the API key; answers an ETag' }),
  expires_at: Type.String({ description: 'RFC 3339, UTC' }),
});

export const TlCreateUploadResponse = Type.Object({
  upload_id: Type.String(),
  asset_id: Type.String(),
  upload_urls: Type.Array(TlPresignedUrl),
  upload_headers: Type.Record(Type.String(), Type.String()),
  chunk_size: Type.Integer(),
  total_chunks: Type.Integer(),
  expires_at: Type.String({ description: 'The upload expires then unless every chunk was reported' }),
});

export const TlCompletedChunk = Type.Object({
  chunk_index: Type.Integer({ minimum: 1 }),
  proof: Type.String({ description: 'The ETag the chunk PUT answered' }),
  proof_type: Type.Literal('etag'),
  chunk_size: Type.Integer(),
});

export const TlReportChunksRequest = Type.Object({
  completed_chunks: Type.Array(TlCompletedChunk),
});

export const TlReportChunksResponse = Type.Object({
  url: Type.Optional(Type.String()),
  asset_id: Type.String(),
  processed_chunks: Type.Integer(),
  duplicate_chunks: Type.Integer(),
  total_completed: Type.Integer(),
});

export const TlPresignedUrlsRequest = Type.Object({
  start: Type.Integer({ minimum: 1 }),
  count: Type.Integer({ minimum: 1 }),
});

export const TlPresignedUrlsResponse = Type.Object({
  upload_id: Type.String(),
  start_index: Type.Integer(),
  count: Type.Integer(),
  upload_urls: Type.Array(TlPresignedUrl),
  generated_at: Type.String(),
  expires_at: Type.String(),
});

export const TlUploadStatusName = Type.Union([Type.Literal('active'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('expired')]);

export const TlChunkInfo = Type.Object({
  index: Type.Integer(),
  status: Type.Union([Type.Literal('completed'), Type.Literal('pending'), Type.Literal('failed')]),
  uploaded_at: Type.Optional(Type.String()),
  updated_at: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

export const TlUploadStatusResponse = Type.Object({
  upload_id: Type.String(),
  status: TlUploadStatusName,
  uploaded_chunks: Type.Array(TlChunkInfo),
  chunks_completed: Type.Integer(),
  chunks_failed: Type.Integer(),
  chunks_pending: Type.Integer(),
  page_info: TlPageInfo,
  total_size: Type.Integer(),
  uploaded_size: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
  error: Type.Optional(Type.String({ description: 'Why a failed upload failed (Vireo addition)' })),
});

export const TlIncompleteUpload = Type.Object({
  upload_id: Type.String(),
  status: TlUploadStatusName,
  total_size: Type.Integer(),
  chunk_size: Type.Integer(),
  total_chunks: Type.Integer(),
  created_at: Type.String(),
  expires_at: Type.String(),
});

export const TlIncompleteUploadList = Type.Object({
  data: Type.Array(TlIncompleteUpload),
  page_info: TlPageInfo,
});

export type TlUploadType = Static<typeof TlUploadType>;
export type TlCreateUploadRequest = Static<typeof TlCreateUploadRequest>;
export type TlPresignedUrl = Static<typeof TlPresignedUrl>;
export type TlCreateUploadResponse = Static<typeof TlCreateUploadResponse>;
export type TlCompletedChunk = Static<typeof TlCompletedChunk>;
export type TlReportChunksResponse = Static<typeof TlReportChunksResponse>;
export type TlPresignedUrlsResponse = Static<typeof TlPresignedUrlsResponse>;
export type TlChunkInfo = Static<typeof TlChunkInfo>;
export type TlUploadStatusResponse = Static<typeof TlUploadStatusResponse>;
export type TlIncompleteUpload = Static<typeof TlIncompleteUpload>;
export type TlIncompleteUploadList = Static<typeof TlIncompleteUploadList>;
