// Domain rows -> wire objects of the Vi protocol (camelCase, `workspaceId`, composite dataset ids).
import type { ApiKey, Dataset, DeletedDataset, Organization, ResourceCondition } from '@vireo/wire';
import type { DatasetRow, DatasetView } from '../domain/datasets.js';
import type { ApiKeyRow, OrganizationRow } from '../domain/organizations.js';
import { compositeDatasetId, datasetLink, etagOf } from './ids.js';

export function presentOrganization(org: OrganizationRow, datasets: DatasetRow[]): Organization {
  const ids = datasets.map((d) => compositeDatasetId(org.id, d.id));
  return {
    name: org.name,
    kind: 'Workspace',
    workspaceId: org.id,
    lastAccess: org.last_access,
    datasets: ids,
    billing: { payer: org.owner_user_id, email: '', subscriberId: org.id, ledger: [], tier: 'SelfHosted' },
    users: {
      [org.owner_user_id]: { workspaceRole: 'Owner', datasets: Object.fromEntries(ids.map((id) => [id, 'Owner'])) },
    },
    metadata: { createDate: org.created_at, isPublic: false, accountManager: null, salesEngineer: null },
    features: {},
    lockStatus: { isLocked: false, lockDate: null },
    selfLink: `/workspaces/${org.id}`,
    etag: etagOf(1),
  };
}

export function presentDataset({ dataset: d, statistic }: DatasetView): Dataset {
  // Tag ids are the tags' positions in name order: stable for a given set of tags.
  const tags = Object.fromEntries(Object.keys(statistic.tagsCount).sort().map((name, i) => [name, i]));
  return {
    kind: 'Dataset',
    datasetId: compositeDatasetId(d.organization_id, d.id),
    name: d.name,
    owner: d.owner_user_id,
    workspaceId: d.organization_id,
    type: d.type as Dataset['type'],
    content: 'Image',
    createDate: d.created_at,
    statistic,
    users: { [d.owner_user_id]: 'Owner' },
    tags,
    cohorts: [],
    status: 0,
    lastAccessed: d.updated_at,
    isLocked: false,
    access: { isPublic: false, isReadOnly: false, isHidden: false },
    preference: {},
    assetStatuses: { none: { description: 'None', color: '#cccccc', createDate: null } },
    selfLink: datasetLink(d.organization_id, d.id),
    etag: etagOf(d.generation),
    localization: 'Datature/Multi',
    dataLocalization: 'Datature/Multi',
    description: d.description,
    tagDetails: null,
    isDemoProject: false,
    deleteOp: null,
    bypassQuota: false,
  };
}

export function presentDeletedDataset(d: DatasetRow): DeletedDataset {
  const requested = d.deleted_at ?? d.updated_at;
  const conditions: ResourceCondition[] =
    d.purged_at === null
      ? [
          { condition: 'Started', status: 'Reached', lastTransitionTime: requested },
          { condition: 'Finished', status: 'Waiting', lastTransitionTime: requested },
        ]
      : [
          { condition: 'Started', status: 'Reached', lastTransitionTime: requested },
          { condition: 'Finished', status: 'Reached', lastTransitionTime: d.purged_at },
        ];
  return {
    kind: 'DatasetDeleteOperation',
    user: d.deleted_by ?? d.owner_user_id,
    workspaceId: d.organization_id,
    datasetId: compositeDatasetId(d.organization_id, d.id),
    selfLink: `${datasetLink(d.organization_id, d.id)}/deleteOperation`,
    etag: etagOf(d.generation),
    metadata: { timeCreated: requested, lastUpdated: d.purged_at ?? requested, generation: d.generation, attributes: {} },
    status: { conditions },
  };
}

export function presentKey(k: ApiKeyRow): ApiKey {
  return {
    keyId: k.id,
    workspaceId: k.organization_id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.created_at,
    lastUsedAt: k.last_used_at,
    revokedAt: k.revoked_at,
  };
}
