// Signed byte transfers, authorized by the URL signature alone (the Python SDK sends no auth
// headers on them): PUT of an ingestion item's bytes, GET/HEAD of an asset or its thumbnail.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AssetServices } from '../domain/asset-services.js';
import { assetForDownload } from '../domain/assets.js';
import { AppError } from '../domain/errors.js';
import { answerForSettled, findUpload, receiveBytes, type UploadAnswer } from '../domain/ingestion.js';
import { thumbnailOf } from '../domain/thumbnails.js';
import { sendBlob, verifySignature } from './blob-reply.js';

/** Past this many unread bytes a rejected upload's connection is closed instead of drained. */
const DRAIN_CAP = 64 * 1024 * 1024;

export const fileRoutes: FastifyPluginAsync<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  // Bodies here are raw bytes of any type, read as a stream by the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const verify = (request: FastifyRequest) => verifySignature(svc.signer, request, svc.ctx.now());

  app.put<{ Params: { session: string; idx: string; filename: string } }>(
    '/uploads/:session/:idx/:filename',
    { schema: { hide: true } },
    async (request, reply) => {
      verify(request);
      const idx = Number(request.params.idx);
      if (!Number.isSafeInteger(idx) || idx < 0) throw new AppError('NotFound', 'No such upload');
      const { session, item } = await findUpload(svc, request.params.session, idx);
      const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
      const answer = answerForSettled(item) ?? (await receiveBytes(svc, session, item, request.raw, Number.isFinite(length) ? length : undefined));
      return sendUploadAnswer(request, reply, answer);
    },
  );

  const download = async (request: FastifyRequest<{ Params: { assetId: string } }>, reply: FastifyReply, thumbnail: boolean) => {
    verify(request);
    const asset = await assetForDownload(svc, request.params.assetId);
    let sha256 = asset.sha256;
    let size = Number(asset.size);
    let type = asset.mime;
    if (thumbnail) {
      const thumb = await thumbnailOf(svc, asset);
      if (!thumb) throw new AppError('NotFound', `No thumbnail: the server could not decode this ${asset.mime} file (damaged pixels, or not an image)`);
      ({ sha256, size } = thumb);
      type = 'image/webp';
    }
    return sendBlob(request, reply, svc.blobs, { sha256, size, contentType: type, cacheControl: 'private, max-age=3600' });
  };

  app.route<{ Params: { assetId: string; filename: string } }>({
    method: ['GET', 'HEAD'],
    url: '/files/assets/:assetId/:filename',
    schema: { hide: true },
    exposeHeadRoute: false,
    handler: (request, reply) => download(request, reply, false),
  });
  app.route<{ Params: { assetId: string; name: string } }>({
    method: ['GET', 'HEAD'],
    url: '/files/assets/:assetId/thumbnail/:name',
    schema: { hide: true },
    exposeHeadRoute: false,
    handler: (request, reply) => download(request, reply, true),
  });
};

/** Before answering a PUT whose body was not (fully) read: past a cap, close the connection rather than drain it. */
export function closeIfUnread(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.raw.readableEnded) {
    // Node discards the rest after the answer and keeps the connection; past the cap it is
    // cheaper for both sides to close it.
    const declared = Number(request.headers['content-length'] ?? Number.POSITIVE_INFINITY);
    if (!(declared <= DRAIN_CAP)) reply.header('connection', 'close');
  }
}

function sendUploadAnswer(request: FastifyRequest, reply: FastifyReply, answer: UploadAnswer): FastifyReply {
  closeIfUnread(request, reply);
  if (answer.ok) return reply.status(200).send();
  throw answer.error;
}
