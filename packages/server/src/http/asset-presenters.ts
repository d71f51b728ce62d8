// Asset rows, ingestion sessions and bulk deletion sessions -> wire objects of the Vi protocol.
import type { Asset, AssetIngestionSession, BulkAssetDeletionSession, IngestionEvent, ResourceCondition } from '@vireo/wire';
import type { AssetView } from '../domain/assets.js';
import type { DeletionSessionRow } from '../domain/bulk-delete.js';
import type { SessionView } from '../domain/ingestion.js';
import { NO_THUMBNAIL } from '../store/assets.js';
import { compositeDatasetId, datasetLink, etagOf } from './ids.js';
import type { SignedLinks } from './signed-links.js';

export function presentAsset({ asset: a, annotations }: AssetView, links?: SignedLinks): Asset {
  const custom = JSON.parse(a.custom_metadata) as Record<string, string | number | boolean>;
  const width = a.width ?? 0;
  const height = a.height ?? 0;
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(Number(a.crc32c));
  const out: Asset = {
    assetId: a.id,
    datasetId: compositeDatasetId(a.organization_id, a.dataset_id),
    workspaceId: a.organization_id,
    filename: a.filename,
    kind: a.kind,
    owner: a.inserted_by,
    metadata: {
      generations: { asset: a.sha256, thumbnail: a.thumbnail_sha256 && a.thumbnail_sha256 !== NO_THUMBNAIL ? a.thumbnail_sha256 : '' },
      insertedBy: a.inserted_by,
      annotations: { withTag: annotations.withTag, total: annotations.total },
      frames: a.frames,
      cohorts: [],
      fileSize: Number(a.size),
      height,
      width,
      mimeType: a.mime,
      source: a.source,
      status: a.status,
      uploadStatus: 'Uploaded',
      visibility: 'Visible',
      userDefined: {},
      customMetadata: custom,
      dimensions: { height, width, depth: null },
      pixelRatio: { height: 1, width: 1, depth: null },
      comments: 0,
      customMetadataCount: Object.keys(custom).length,
      hash: { algorithm: 'crc32c', contents: crc.toString('base64') },
      contentsFrom: a.source,
      framesChange: {},
      timeCreated: a.created_at,
      lastUpdated: a.updated_at,
      contentsLastUpdated: a.contents_updated_at,
    },
    selfLink: `${datasetLink(a.organization_id, a.dataset_id)}/assets/${a.id}`,
    etag: etagOf(a.generation),
  };
  if (links) {
    out.contents =
      a.thumbnail_sha256 === NO_THUMBNAIL ? { asset: links.asset(a) } : { asset: links.asset(a), thumbnail: links.thumbnail(a) };
  }
  return out;
}

const SOURCE = { class: 'managed', provider: 'datature', id: 'transient' } as const;

export const ingestionSessionLink = (organizationId: string, datasetId: string, sessionId: string) =>
  `${datasetLink(organizationId, datasetId)}/assetSources/${SOURCE.class}/${SOURCE.provider}/${SOURCE.id}/assetIngestionSessions/${sessionId}`;

/** Errors per file, several events when a filename fails more than once (the map is keyed by name). */
function errorEvents(view: SessionView): IngestionEvent[] {
  const errored = view.items.filter((i) => i.state === 'errored').sort((a, b) => (a.settled_at ?? 0) - (b.settled_at ?? 0) || a.idx - b.idx);
  const events: IngestionEvent[] = [];
  let files: Record<string, string> = {};
  let corrections: Record<string, string> = {};
  let time = 0;
  const flush = () => {
    if (Object.keys(files).length > 0) events.push({ kind: 'Error', files: files as never, corrections, time });
    files = {};
    corrections = {};
  };
  for (const item of errored) {
    if (item.filename in files) flush();
    files[item.filename] = item.error_code ?? 'EUNKNOWN';
    corrections[item.filename] = item.error_message ?? '';
    time = Math.max(time, item.settled_at ?? 0);
  }
  flush();
  return events;
}

export function presentSession(view: SessionView, links: SignedLinks): AssetIngestionSession {
  const { session: s, items } = view;
  const finished = s.finished_at !== null;
  const finishedCondition: ResourceCondition = finished
    ? { condition: 'Finished', status: 'Reached', lastTransitionTime: s.finished_at!, reason: null, message: finishMessage(view) }
    : { condition: 'Finished', status: 'Waiting', lastTransitionTime: s.created_at };
  const pending = finished ? [] : items.filter((i) => i.state === 'pending');
  const settled = s.succeeded + s.errored;
  return {
    kind: 'AssetIngestionSession',
    workspaceId: s.organization_id,
    datasetId: compositeDatasetId(s.organization_id, s.dataset_id),
    assetSourceClass: SOURCE.class,
    assetSourceProvider: SOURCE.provider,
    assetSourceId: SOURCE.id,
    assetIngestionSessionId: s.id,
    selfLink: ingestionSessionLink(s.organization_id, s.dataset_id, s.id),
    etag: etagOf(s.generation),
    metadata: { timeCreated: s.created_at, lastUpdated: s.finished_at ?? s.updated_at, generation: s.generation, attributes: {} },
    spec: {
      kind: s.spec_kind,
      failureMode: s.failure_mode as AssetIngestionSession['spec']['failureMode'],
      onAssetOverwritten: s.on_overwritten as AssetIngestionSession['spec']['onAssetOverwritten'],
      assets: items.map(uploadedMetadata),
    },
    status: {
      conditions: [{ condition: 'Started', status: 'Reached', lastTransitionTime: s.created_at }, finishedCondition],
      events: [
        ...errorEvents(view),
        { kind: 'Progress', tasks: { upload: { total: s.total, done: settled, succeeded: s.succeeded, errored: s.errored } } },
      ],
      progressCount: { total: s.total, succeeded: s.succeeded, errored: s.errored },
      assets: pending.map((i) => ({
        metadata: uploadedMetadata(i),
        upload: { ...links.upload(s.id, i.idx, i.filename, s.deadline_at), headers: { 'Content-Type': i.mime }, method: 'PUT' },
      })),
    },
  };
}

function uploadedMetadata(i: SessionView['items'][number]) {
  const crc = Number(i.crc32c) | 0; // answered as the SDK sent it: a signed 32-bit integer
  return {
    kind: i.kind,
    filename: i.filename,
    mime: i.mime,
    size: Number(i.size),
    crc32c: crc,
    ...(i.custom_metadata ? { customMetadata: JSON.parse(i.custom_metadata) } : {}),
  };
}

function finishMessage({ session: s }: SessionView): string {
  const parts = [`${s.succeeded} of ${s.total} files ingested`];
  if (s.errored > 0) parts.push(`${s.errored} failed`);
  if (s.halted_at !== null) parts.push('stopped at the first failure (FailAfterOne)');
  return parts.join('; ');
}

export function presentDeletionSession(d: DeletionSessionRow): BulkAssetDeletionSession {
  const conditions: ResourceCondition[] = [{ condition: 'Started', status: 'Reached', lastTransitionTime: d.created_at }];
  if (d.finished_at === null) conditions.push({ condition: 'Finished', status: 'Waiting', lastTransitionTime: d.created_at });
  else if (d.failure !== null) conditions.push({ condition: 'Finished', status: 'FailedReach', lastTransitionTime: d.finished_at, message: d.failure });
  else conditions.push({ condition: 'Finished', status: 'Reached', lastTransitionTime: d.finished_at, message: `${d.deleted} assets deleted` });
  return {
    kind: 'DeleteManyAssetsSession',
    workspaceId: d.organization_id,
    datasetId: compositeDatasetId(d.organization_id, d.dataset_id),
    deleteManyAssetsSessionId: d.id,
    selfLink: `${datasetLink(d.organization_id, d.dataset_id)}/deleteManyAssetsSessions/${d.id}`,
    etag: etagOf(d.generation),
    metadata: { timeCreated: d.created_at, lastUpdated: d.updated_at, generation: d.generation, attributes: {} },
    spec: JSON.parse(d.spec),
    status: { conditions },
  };
}
