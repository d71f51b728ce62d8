// The TwelveLabs assets API (twelvelabs-protocol.md), mounted at /v1.3 behind the x-api-key hook:
// create (multipart, streamed), list, retrieve, delete, user metadata.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { TlAsset, TlAssetList, TlErrorBody } from '@vireo/wire';
import type { AssetServices } from '../domain/asset-services.js';
import { AppError, invalid } from '../domain/errors.js';
import {
  checkFilename,
  checkUserMetadata,
  createAssetFromStaged,
  createPendingAsset,
  deleteTlAsset,
  listTlAssets,
  requireTlAsset,
  setUserMetadata,
  type UserMetadata,
} from '../domain/twelvelabs-assets.js';
import type { MediaKind } from '../media/types.js';
import { SignedLinks } from './signed-links.js';
import { presentTlAsset } from './twelvelabs-presenters.js';
import { receiveCreateForm } from './twelvelabs-upload.js';

const notProvided = (message: string) => invalid(message, 'parameter_not_provided');
const badParameter = (message: string) => invalid(message, 'parameter_invalid');

const MAX_PAGE_LIMIT = 50;
const KINDS: Record<string, MediaKind[]> = { image: ['Image'], video: ['Video'], audio: ['Audio'], document: [] };

const errors = { 400: TlErrorBody, 401: TlErrorBody, 404: TlErrorBody } as const;
const IdParams = Type.Object({ id: Type.String() });
const TL_SECURITY = [{ twelvelabsApiKey: [] }];

export const twelvelabsRoutes: FastifyPluginAsync<{ assets: AssetServices }> = async (app, { assets: svc }) => {
  const links = new SignedLinks(svc.signer, () => svc.publicUrl(), svc.limits.downloadUrlTtlMs, svc.ctx.now);

  // The create form is read as a stream by its handler (the file precedes the other fields).
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null, undefined));
  // Other bodies reach the handlers too, which answer 400 with what to send instead of a bare 415.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.post(
    '/assets',
    { schema: { tags: ['twelvelabs'], security: TL_SECURITY, summary: 'Create an asset (multipart: method, file | url, filename, user_metadata)', response: { 201: TlAsset, ...errors, 413: TlErrorBody } } },
    async (request, reply) => {
      const form = await receiveCreateForm(svc, request);
      try {
        if (form.tooLarge) {
          if (form.closeConnection) reply.header('connection', 'close');
          throw new AppError('PayloadTooLarge', form.tooLarge, { detail: 'file_too_large' });
        }
        if (form.problem) throw badParameter(form.problem);
        const f = form.fields;
        const method = f.method;
        if (method === undefined || method === '') throw notProvided('method is required: "direct" (with a file part) or "url" (with a url field)');
        if (method !== 'direct' && method !== 'url') throw badParameter(`method must be "direct" or "url" (got "${method}")`);
        for (const flag of ['enable_hls', 'enable_thumbnail'] as const) {
          const v = f[flag];
          if (v !== undefined && v !== 'true' && v !== 'false') throw badParameter(`${flag} must be "true" or "false" (got "${v}")`);
        }
        let userMetadata: UserMetadata | undefined;
        if (f.user_metadata !== undefined && f.user_metadata !== '') {
          let parsed: unknown;
          try {
            parsed = JSON.parse(f.user_metadata);
          } catch {
            throw badParameter('user_metadata must be a JSON object encoded as a string, e.g. {"camera":"north"}');
          }
          userMetadata = checkUserMetadata(parsed);
        }
        const givenName = f.filename !== undefined && f.filename !== '' ? f.filename : undefined;

        let asset;
        if (method === 'direct') {
          if (f.url !== undefined) throw badParameter('method "direct" takes a file part, not a url: use method "url" for URLs');
          if (!form.staged) throw notProvided('file is required when method is "direct": send the bytes as a multipart file part named "file"');
          const filename = checkFilename(givenName ?? form.partFilename ?? 'file');
          asset = await createAssetFromStaged(svc, request.principal, form.staged, { method, filename, userMetadata });
        } else {
          if (form.staged || form.sawFile) throw badParameter('method "url" takes a url field, not a file part: use method "direct" to upload bytes');
          if (f.url === undefined || f.url === '') throw notProvided('url is required when method is "url"');
          const url = checkUrl(f.url);
          const filename = checkFilename(givenName ?? nameFromUrl(url));
          asset = await createPendingAsset(svc, request.principal, { method, filename, userMetadata }, async (trx, row) => {
            await svc.ctx.jobs.enqueue('twelvelabs.fetch', { assetId: row.id, url: url.href }, { maxAttempts: 3 }, trx);
          });
        }
        return reply.status(201).send(presentTlAsset(asset, links));
      } finally {
        if (form.staged) await svc.blobs.discardStaged(form.staged.key); // a no-op once promoted
      }
    },
  );

  app.get(
    '/assets',
    { schema: { tags: ['twelvelabs'], security: TL_SECURITY, summary: 'List assets, newest first', response: { 200: TlAssetList, ...errors } } },
    async (request) => {
      const q = request.query as Record<string, string | string[] | undefined>;
      const page = positiveInt(single(q, 'page'), 'page', 1, Number.MAX_SAFE_INTEGER) ?? 1;
      const pageLimit = positiveInt(single(q, 'page_limit'), 'page_limit', 1, MAX_PAGE_LIMIT) ?? 10;
      const assetIds = many(q, 'asset_ids');
      const types = many(q, 'asset_types');
      let kinds: MediaKind[] | undefined;
      if (types) {
        kinds = [];
        for (const t of types) {
          const k = KINDS[t];
          if (!k) throw badParameter(`asset_types must be image, video, audio or document (got "${t}")`);
          kinds.push(...k);
        }
      }
      const filename = single(q, 'filename');
      const result = await listTlAssets(svc, request.principal.organizationId, { page, pageLimit, assetIds, kinds, filename });
      return {
        data: result.items.map((a) => presentTlAsset(a, links)),
        page_info: { page, limit_per_page: pageLimit, total_page: Math.ceil(result.total / pageLimit), total_results: result.total },
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/assets/:id',
    { schema: { tags: ['twelvelabs'], security: TL_SECURITY, summary: 'Retrieve an asset', params: IdParams, response: { 200: TlAsset, ...errors } } },
    async (request) => presentTlAsset(await requireTlAsset(svc, request.principal.organizationId, request.params.id), links),
  );

  app.delete<{ Params: { id: string } }>(
    '/assets/:id',
    { schema: { tags: ['twelvelabs'], security: TL_SECURITY, summary: 'Delete an asset (also from the media library dataset)', params: IdParams, response: errors } },
    async (request, reply) => {
      const force = single(request.query as Record<string, string | string[] | undefined>, 'force');
      if (force !== undefined && force !== 'true' && force !== 'false') throw badParameter(`force must be true or false (got "${force}")`);
      await deleteTlAsset(svc, request.principal.organizationId, request.params.id);
      return reply.status(204).send();
    },
  );

  const metadataRoute = (merge: boolean) => async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const body = request.body as { user_metadata?: unknown } | undefined;
    if (body === undefined || body === null || typeof body !== 'object' || !('user_metadata' in body)) {
      throw notProvided('user_metadata is required: send {"user_metadata": {"key": "value", ...}}');
    }
    let metadata: UserMetadata | null = null;
    let removed: string[] = [];
    if (body.user_metadata !== null) {
      if (merge && typeof body.user_metadata === 'object' && !Array.isArray(body.user_metadata)) {
        // PATCH: a key set to null is removed.
        const entries = Object.entries(body.user_metadata as Record<string, unknown>);
        removed = entries.filter(([, v]) => v === null).map(([k]) => k);
        metadata = checkUserMetadata(Object.fromEntries(entries.filter(([, v]) => v !== null)));
      } else {
        metadata = checkUserMetadata(body.user_metadata);
      }
    }
    const asset = await setUserMetadata(svc, request.principal.organizationId, request.params.id, metadata, merge, removed);
    return presentTlAsset(asset, links);
  };
  const metadataSchema = (summary: string) => ({ tags: ['twelvelabs'], security: TL_SECURITY, summary, params: IdParams, response: { 200: TlAsset, ...errors } });
  app.put('/assets/:id/user-metadata', { schema: metadataSchema('Replace the user metadata of an asset') }, metadataRoute(false));
  app.patch('/assets/:id/user-metadata', { schema: metadataSchema('Update keys of the user metadata (null removes a key)') }, metadataRoute(true));
  app.delete<{ Params: { id: string } }>(
    '/assets/:id/user-metadata',
    { schema: { tags: ['twelvelabs'], security: TL_SECURITY, summary: 'Remove all user metadata of an asset', params: IdParams, response: errors } },
    async (request, reply: FastifyReply) => {
      await setUserMetadata(svc, request.principal.organizationId, request.params.id, null, false, []);
      return reply.status(204).send();
    },
  );
};

function single(q: Record<string, string | string[] | undefined>, key: string): string | undefined {
  const v = q[key];
  if (Array.isArray(v)) {
    if (v.length > 1) throw badParameter(`${key} must be given once`);
    return v[0];
  }
  return v;
}

function many(q: Record<string, string | string[] | undefined>, key: string): string[] | undefined {
  const v = q[key];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function positiveInt(raw: string | undefined, key: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw badParameter(`${key} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max} (got "${raw}")`);
  }
  return n;
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badParameter(`url must be an absolute http(s) URL (got "${raw.slice(0, 200)}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badParameter(`url must use http or https (got ${url.protocol})`);
  return url;
}

/** The last path segment of the URL, decoded, or "download". */
function nameFromUrl(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).pop();
  let name = 'download';
  if (last) {
    try {
      name = decodeURIComponent(last);
    } catch {
      name = last;
    }
  }
  return /[/\\\u0000-\u001f\u007f]/.test(name) || name.length > 255 ? 'download' : name;
}
