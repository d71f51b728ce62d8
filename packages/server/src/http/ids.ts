// Dataset ids in URLs are `{organizationId}_{datasetId}` (vi-protocol.md §2.3). The known prefix is
// stripped, never split on "_": client-chosen ids may themselves contain underscores.

export const compositeDatasetId = (organizationId: string, datasetId: string): string => `${organizationId}_${datasetId}`;

export function datasetIdFromSegment(organizationId: string, segment: string): string {
  const prefix = `${organizationId}_`;
  return segment.startsWith(prefix) ? segment.slice(prefix.length) : segment;
}

export const etagOf = (generation: number): string => `"${generation}"`;

export const datasetLink = (organizationId: string, datasetId: string): string =>
  `/workspaces/${organizationId}/datasets/${compositeDatasetId(organizationId, datasetId)}`;
