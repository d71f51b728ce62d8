// The TwelveLabs assets protocol served at /v1.3 (twelvelabs-protocol.md): snake_case JSON,
// `_id`, RFC 3339 times, `{code, message}` errors. Shapes follow what `twelvelabs-js` 1.3.4 parses.
import Type, { type Static } from 'typebox';

/** User metadata values: TwelveLabs takes strings, numbers and booleans (stored as Vireo custom metadata). */
export const TlMetadataValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
export const TlUserMetadata = Type.Record(Type.String(), TlMetadataValue);

export const TlAssetMethod = Type.Union([Type.Literal('direct'), Type.Literal('url'), Type.Literal('multipart')]);
export const TlAssetStatus = Type.Union([Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]);

/** `technical_metadata`: technical details in TwelveLabs' vocabulary (video_codec, audio_sample_rate, …). */
export const TlTechnicalMetadata = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

/** One asset, as create, retrieve and list answer it (the SDK's `Asset` / `AssetDetail`). */
export const TlAsset = Type.Object({
  _id: Type.String(),
  method: Type.String({ description: 'direct, url or multipart' }),
  status: TlAssetStatus,
  filename: Type.String(),
  file_type: Type.String({ description: 'The sniffed MIME type (application/octet-stream until known)' }),
  created_at: Type.String({ description: 'RFC 3339, UTC' }),
  size: Type.Optional(Type.Number({ description: 'Bytes; present once the bytes are stored' })),
  duration: Type.Optional(Type.Number({ description: 'Seconds; video and audio once ready' })),
  url: Type.Optional(Type.String({ description: 'Signed download URL, usable without the API key until url_expires_at' })),
  url_expires_at: Type.Optional(Type.String()),
  user_metadata: Type.Optional(TlUserMetadata),
  technical_metadata: Type.Optional(TlTechnicalMetadata),
  error: Type.Optional(Type.Object({ message: Type.String() })),
  thumbnail: Type.Optional(
    Type.Object({ representative_url: Type.Optional(Type.String()), status: Type.Optional(Type.String()) }),
  ),
});

export const TlPageInfo = Type.Object({
  page: Type.Integer(),
  limit_per_page: Type.Integer(),
  total_page: Type.Integer(),
  total_results: Type.Integer(),
});

export const TlAssetList = Type.Object({
  data: Type.Array(TlAsset),
  page_info: TlPageInfo,
});

export const TlAssetTypeFilter = Type.Union([
  Type.Literal('image'),
  Type.Literal('video'),
  Type.Literal('audio'),
  Type.Literal('document'),
]);

/** Query of `GET /assets`; repeated keys arrive as arrays. Validated by hand for precise TwelveLabs codes. */
export const TlListQuery = Type.Object({
  page: Type.Optional(Type.String()),
  page_limit: Type.Optional(Type.String()),
  asset_ids: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  asset_types: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  filename: Type.Optional(Type.String()),
});

/** Body of `PUT` / `PATCH /assets/{id}/user-metadata`. */
export const TlUserMetadataRequest = Type.Object({
  user_metadata: Type.Union([TlUserMetadata, Type.Null()]),
});

/** TwelveLabs' error envelope (spec §9). */
export const TlErrorBody = Type.Object({
  code: Type.String({ description: 'e.g. parameter_invalid, resource_not_exist, api_key_invalid' }),
  message: Type.String(),
});

export type TlUserMetadata = Static<typeof TlUserMetadata>;
export type TlAssetMethod = Static<typeof TlAssetMethod>;
export type TlAssetStatus = Static<typeof TlAssetStatus>;
export type TlAsset = Static<typeof TlAsset>;
export type TlPageInfo = Static<typeof TlPageInfo>;
export type TlAssetList = Static<typeof TlAssetList>;
export type TlAssetTypeFilter = Static<typeof TlAssetTypeFilter>;
export type TlListQuery = Static<typeof TlListQuery>;
export type TlUserMetadataRequest = Static<typeof TlUserMetadataRequest>;
export type TlErrorBody = Static<typeof TlErrorBody>;
