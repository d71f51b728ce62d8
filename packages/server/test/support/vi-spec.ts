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
