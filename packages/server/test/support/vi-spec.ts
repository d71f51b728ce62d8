// Response shapes of the Vi protocol, transcribed from ../shared/spec/vi-protocol.md (the keys the
// Python vi-sdk 0.1.0b4 requires, and the types msgspec accepts). Independent of @vireo/wire on purpose.
import { array, literal, nullable, object, record, union, type Shape } from './strict-json.js';

export const ResourceMetadata = object({ timeCreated: 'int', lastUpdated: 'int', generation: 'int', attributes: record('str') });

export const ResourceCondition = object(
  { condition: 'str', status: literal('Waiting', 'Reached', 'FailedReach'), lastTransitionTime: 'int' },
  { reason: nullable('str'), message: nullable('str') },
);

export const User = object({ workspaceRole: 'str', datasets: record('str') });

/** §4: every key optional; lists the SDK cannot page must end on the first page. */
export const Pagination = (item: Shape): Shape => object({}, { items: array(item), nextPage: nullable('str'), prevPage: nullable('str') });

export const Organization = object({
  name: 'str',
  kind: 'str',
  workspaceId: 'str',
  lastAccess: 'int',
  datasets: array('str'),
  billing: object({ payer: 'str', email: 'str', subscriberId: 'str', ledger: array('any'), tier: 'str' }),
  users: record(User),
  metadata: object({}, { createDate: 'int', isPublic: 'bool', accountManager: nullable('str'), salesEngineer: nullable('str') }),
  features: 'any',
  lockStatus: object({ isLocked: 'bool' }, { lockDate: nullable('int') }),
  selfLink: 'str',
  etag: 'str',
});

export const Dataset = object(
  {
    datasetId: 'str',
    name: 'str',
    owner: 'str',
    workspaceId: 'str',
    type: literal('phrase-grounding', 'vqa'),
    content: literal('Image'),
    createDate: 'int',
    statistic: object({ assetTotal: 'int', annotationTotal: 'int', tagsCount: record('int'), assetAnnotated: 'int' }),
    users: record(union(User, 'str')),
    tags: record('int'),
    cohorts: array('any'),
    status: 'int',
    lastAccessed: 'int',
    isLocked: 'bool',
    access: object({ isPublic: nullable('bool'), isReadOnly: nullable('bool') }, { isHidden: nullable('bool') }),
    preference: record(union('bool', 'str')),
    assetStatuses: record(object({ description: 'str', color: 'str' }, { createDate: nullable('int') })),
    selfLink: 'str',
    etag: 'str',
  },
  {
    kind: literal('Dataset'),
    localization: literal('Datature/Multi'),
    dataLocalization: literal('Datature/Multi'),
    description: nullable('str'),
    tagDetails: nullable(record(object({}, { description: nullable('str'), color: nullable('str') }))),
    isDemoProject: 'bool',
    deleteOp: 'any',
    bypassQuota: 'bool',
  },
);

export const DeletedDataset = object({
  kind: 'str',
  user: 'str',
  workspaceId: 'str',
  datasetId: 'str',
  selfLink: 'str',
  etag: 'str',
  metadata: ResourceMetadata,
  status: object({ conditions: array(ResourceCondition) }),
});

/** §7: what the SDK reads of an error: a JSON object with a string `message` (and our `error` code). */
export const ErrorEnvelope = object({ error: 'str', message: 'str' });

/** §3.3 `Contents`. */
export const Contents = object({ url: 'str', expiry: 'int' }, { headers: nullable(record('str')), method: nullable('str') });

const CustomMetadataValue = union('str', 'num', 'bool');

/** §3.3 `Asset`: all 25 metadata keys required, except the `depth` keys. */
export const Asset = object(
  {
    assetId: 'str',
    datasetId: 'str',
    workspaceId: 'str',
    filename: 'str',
    kind: 'str',
    owner: 'str',
    metadata: object({
      generations: object({ asset: 'str', thumbnail: 'str' }),
      insertedBy: 'str',
      annotations: object({ withTag: record('int'), total: 'int' }),
      frames: 'int',
      cohorts: array('any'),
      fileSize: 'int',
      height: 'int',
      width: 'int',
      mimeType: 'str',
      source: 'str',
      status: 'str',
      uploadStatus: 'str',
      visibility: 'str',
      userDefined: 'any',
      customMetadata: record(CustomMetadataValue),
      dimensions: object({ height: 'int', width: 'int' }, { depth: nullable('int') }),
      pixelRatio: object({ height: 'int', width: 'int' }, { depth: nullable('int') }),
      comments: 'int',
      customMetadataCount: 'int',
      hash: object({ algorithm: 'str', contents: 'str' }),
      contentsFrom: 'str',
      framesChange: record('int'),
      timeCreated: 'int',
      lastUpdated: 'int',
      contentsLastUpdated: 'int',
    }),
    selfLink: 'str',
    etag: 'str',
  },
  { contents: object({}, { asset: Contents, thumbnail: Contents }) },
);

const IngestionErrorCode = literal(
  'EALREADY',
  'EBADMIME',
  'EBADSIZE',
  'ECORRUPT',
  'ENOQUOTA',
  'EOLDMETA',
  'ETIMEOUT',
  'ERESNENT',
  'EPROJECT',
  'ENOASSET',
  'ESEQMETA',
  'EUNKNOWN',
);

/** §5.1 `UploadedAssetMetadata`. */
export const UploadedAssetMetadata = object(
  { kind: 'str', filename: 'str', mime: 'str', size: 'int' },
  { crc32c: 'int', customMetadata: record(CustomMetadataValue) },
);

/** §5.1 ingestion events: a tagged union on `kind`. */
export const IngestionEvent = union(
  object({ kind: literal('Error'), files: record(IngestionErrorCode), corrections: record('str'), time: 'int' }),
  object({ kind: literal('Progress'), tasks: record(record('int')) }),
);

/** §5.1 `AssetIngestionSession` (the `kind` tag is optional but must match when present). */
export const AssetIngestionSession = object(
  {
    workspaceId: 'str',
    datasetId: 'str',
    assetSourceClass: 'str',
    assetSourceProvider: 'str',
    assetSourceId: 'str',
    assetIngestionSessionId: 'str',
    selfLink: 'str',
    etag: 'str',
    metadata: ResourceMetadata,
    spec: object(
      {
        kind: 'str',
        failureMode: literal('FailAfterOne', 'FailAfterAll'),
        onAssetOverwritten: literal('RemoveLinkedResource', 'KeepLinkedResources'),
      },
      { assets: array(UploadedAssetMetadata) },
    ),
    status: object(
      { conditions: array(ResourceCondition), events: array(IngestionEvent), progressCount: object({ total: 'int', succeeded: 'int', errored: 'int' }) },
      // Optional to msgspec, but the SDK iterates it right after creation: null crashes it.
      { assets: array(object({ metadata: UploadedAssetMetadata, upload: Contents })) },
    ),
  },
  { kind: literal('AssetIngestionSession') },
);

/** §8.2 `BulkAssetDeletionSession`: `spec` keys optional, everything else required. */
export const BulkAssetDeletionSession = object({
  kind: 'str',
  workspaceId: 'str',
  datasetId: 'str',
  deleteManyAssetsSessionId: 'str',
  selfLink: 'str',
  etag: 'str',
  metadata: ResourceMetadata,
  spec: object({}, { filter: 'any', metadataQuery: nullable('str'), ruleQuery: nullable('str'), strictQuery: nullable('bool') }),
  status: object({ conditions: array(ResourceCondition) }),
});

/** §3.2 `DatasetExport`: `kind` optional but must match; `downloadUrl` null/absent while processing. */
export const DatasetExport = object(
  {
    workspaceId: 'str',
    datasetId: 'str',
    datasetExportId: 'str',
    spec: object({ format: literal('ViJsonl', 'ViFull', 'ViTfrecord'), options: object({ normalized: 'bool' }, { splitRatio: nullable('num') }) }),
    status: object({ conditions: array(ResourceCondition) }, { downloadUrl: nullable(object({ url: 'str', expiresAt: 'any' })) }),
    metadata: ResourceMetadata,
    selfLink: 'str',
    etag: 'str',
  },
  { kind: literal('DatasetExport') },
);

/** §6.4 one line of an exported annotation file (`contents.type` is the tag). */
export const ExportAnnotationLine = object(
  {
    id: 'str',
    asset: object({ filename: 'str', height: 'int', width: 'int' }, { type: literal('Image'), filepath: nullable('str'), url: nullable('str') }),
    contents: union(
      object({
        type: literal('PhraseGrounding'),
        caption: 'str',
        groundedPhrases: array(object({ phrase: 'str', startTokenIndex: 'int', endTokenIndex: 'int', bounds: array(array('num')) })),
      }),
      object({ type: literal('Vqa'), interactions: array(object({ order: 'int', question: 'str', answer: 'str' })) }),
    ),
  },
  { category: 'any' },
);
