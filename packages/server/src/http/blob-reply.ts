// Serving a blob over a signed URL: signature check, HEAD with Content-Length, Range -> 206, 416
// past the end, ETag/304. Shared by asset, thumbnail and export downloads.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SignatureProblem, UrlSigner } from '../blobs/signed-urls.js';
import type { BlobStore } from '../blobs/store.js';
import { AppError } from '../domain/errors.js';
import { parseRange } from './range.js';
import { sendFileBody } from './send-file-body.js';

/** What is wrong with the signature of the request's URL (path as sent, and query), if anything. */
export function signatureProblem(signer: UrlSigner, request: FastifyRequest, now: number): SignatureProblem | undefined {
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  return signer.verify(request.method, path, new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1)), now);
}

/** Throws PermissionDenied unless the request's URL carries a valid, unexpired signature. */
export function verifySignature(signer: UrlSigner, request: FastifyRequest, now: number): void {
  const problem = signatureProblem(signer, request, now);
  if (problem === 'expired') throw new AppError('PermissionDenied', 'This signed URL has expired: ask the API for a new one');
  if (problem) throw new AppError('PermissionDenied', 'This URL is not signed, or its signature does not match it');
}

export interface BlobToSend {
  sha256: string;
  size: number;
  contentType: string;
  cacheControl: string;
  /** Content-Disposition, when the client should save the bytes under a given name. */
  disposition?: string;
}

/** Answers GET/HEAD for the blob: whole (200), one range (206), or 416 for a range past the end. */
export async function sendBlob(request: FastifyRequest, reply: FastifyReply, blobs: BlobStore, blob: BlobToSend): Promise<FastifyReply | undefined> {
  const { sha256, size } = blob;
  const etag = `"${sha256}"`;
  reply.header('accept-ranges', 'bytes').header('etag', etag).header('cache-control', blob.cacheControl).type(blob.contentType);
  if (blob.disposition) reply.header('content-disposition', blob.disposition);
  if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send();
  const range = parseRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${size}`);
    throw new AppError('RangeNotSatisfiable', `The range ${request.headers.range} is outside the ${size} bytes of the file`);
  }
  if (range) {
    reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
  } else {
    reply.header('content-length', size);
  }
  if (request.method === 'HEAD') return reply.send();
  // Opened before anything is sent: a missing blob still gets an error answer, not a cut connection.
  const reader = await blobs.openReader(sha256);
  sendFileBody(request, reply, reader, range ? range.start : 0, range ? range.end - range.start + 1 : size);
  return undefined;
}

/**
 * If-None-Match holds "*" or a list of entity tags compared weakly (RFC 9110 §13.1.2): caches and
 * browsers send W/"…" or several tags, which an exact string comparison never matched.
 */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || (t.startsWith('W/') ? t.slice(2) : t) === etag;
  });
}
