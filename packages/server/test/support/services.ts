// The domain services a second process (a worker) would build on a test server's database and data
// directory: tests that run a job's function themselves use them beside the running server.
import { FsBlobStore } from '../../src/blobs/fs.js';
import { UrlSigner } from '../../src/blobs/signed-urls.js';
import type { BlobStore } from '../../src/blobs/store.js';
import type { AssetServices } from '../../src/domain/asset-services.js';
import { JobQueue } from '../../src/jobs/queue.js';
import * as media from '../../src/media/index.js';
import { CommitQueue } from '../../src/store/commit-queue.js';
import type { Store } from '../../src/store/db.js';
import type { TestServer } from './server.js';

export function servicesBeside(s: TestServer, store: Store, blobs: BlobStore = new FsBlobStore(s.dataDir)): AssetServices {
  return {
    ctx: { db: store.db, dialect: store.dialect, jobs: new JobQueue(store.db, store.dialect), now: Date.now },
    blobs,
    signer: new UrlSigner('test-services'),
    limits: s.server.config.assets,
    commits: new CommitQueue(store.db, { parallel: 1 }),
    media,
    publicUrl: () => s.url,
  };
}
