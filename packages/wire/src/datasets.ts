// Dataset, dataset deletion (spec §3.2, §8.1) and Vireo's own dataset creation.
import Type, { type Static } from 'typebox';
import { Millis, Nullable, ResourceCondition, ResourceMetadata, User } from './common.js';

export const DatasetType = Type.Union([Type.Literal('phrase-grounding'), Type.Literal('vqa')]);

export const DatasetStatistic = Type.Object({
  assetTotal: Type.Integer(),
  annotationTotal: Type.Integer(),
  tagsCount: Type.Record(Type.String(), Type.Integer()),
  assetAnnotated: Type.Integer(),
});

export const AssetStatusDetail = Type.Object({
  description: Type.String(),
  color: Type.String(),
  createDate: Type.Optional(Nullable(Millis)),
});

export const Dataset = Type.Object({
  kind: Type.Literal('Dataset'),
  datasetId: Type.String({ description: 'Composite id `{organizationId}_{datasetId}`' }),
  name: Type.String(),
  owner: Type.String(),
  workspaceId: Type.String(),
  type: DatasetType,
  content: Type.Literal('Image'),
  createDate: Millis,
  statistic: DatasetStatistic,
  users: Type.Record(Type.String(), Type.Union([User, Type.String()])),
  tags: Type.Record(Type.String(), Type.Integer()),
  cohorts: Type.Array(Type.Unknown()),
  status: Type.Integer(),
  lastAccessed: Millis,
  isLocked: Type.Boolean(),
  access: Type.Object({
    isPublic: Nullable(Type.Boolean()),
    isReadOnly: Nullable(Type.Boolean()),
    isHidden: Type.Optional(Nullable(Type.Boolean())),
  }),
  preference: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String()])),
  assetStatuses: Type.Record(Type.String(), AssetStatusDetail),
  selfLink: Type.String(),
  etag: Type.String(),
  localization: Type.Literal('Datature/Multi'),
  dataLocalization: Type.Literal('Datature/Multi'),
  description: Nullable(Type.String()),
  tagDetails: Nullable(
    Type.Record(
      Type.String(),
      Type.Object({
        description: Type.Optional(Nullable(Type.String())),
        color: Type.Optional(Nullable(Type.String())),
      }),
    ),
  ),
  isDemoProject: Type.Boolean(),
  deleteOp: Nullable(Type.Unknown()),
  bypassQuota: Type.Boolean(),
});

/** Body of `POST /workspaces/{org}/datasets` (a Vireo addition; the Python SDK has no create call). */
export const CreateDatasetRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Optional(DatasetType),
    description: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  },
  { additionalProperties: false },
);

/** `DeletedDataset`, answered by `DELETE …/datasets/{ds}` and `GET …/deleteOperation`. */
export const DeletedDataset = Type.Object({
  kind: Type.String(),
  user: Type.String(),
  workspaceId: Type.String(),
  datasetId: Type.String(),
  selfLink: Type.String(),
  etag: Type.String(),
  metadata: ResourceMetadata,
  status: Type.Object({ conditions: Type.Array(ResourceCondition) }),
});

export type DatasetType = Static<typeof DatasetType>;
export type DatasetStatistic = Static<typeof DatasetStatistic>;
export type Dataset = Static<typeof Dataset>;
export type CreateDatasetRequest = Static<typeof CreateDatasetRequest>;
export type DeletedDataset = Static<typeof DeletedDataset>;
export type AssetStatusDetail = Static<typeof AssetStatusDetail>;
