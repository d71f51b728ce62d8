// What the domain needs from the rest of the server. Built once in main.ts.
import type { JobQueue } from '../jobs/queue.js';
import type { Db, Dialect } from '../store/db.js';

export interface DomainContext {
  db: Db;
  dialect: Dialect;
  jobs: JobQueue;
  now: () => number;
}

/** Who is calling: the organization and user a secret key belongs to. */
export interface Principal {
  organizationId: string;
  userId: string;
  keyId: string;
}
