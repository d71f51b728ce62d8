// Operator actions run against the server's database without HTTP (`vireo orgs`, `vireo keys`).
import type { Config } from './config.js';
import type { DomainContext } from './domain/context.js';
import * as orgs from './domain/organizations.js';
import { JobQueue } from './jobs/queue.js';
import { openStore } from './store/db.js';

export interface KeyInfo {
  keyId: string;
  organizationId: string;
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const keyInfo = (k: orgs.ApiKeyRow): KeyInfo => ({
  keyId: k.id,
  organizationId: k.organization_id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.created_at,
  lastUsedAt: k.last_used_at,
  revokedAt: k.revoked_at,
});

async function withContext<T>(config: Config, fn: (ctx: DomainContext) => Promise<T>): Promise<T> {
  const store = await openStore(config.database);
  try {
    return await fn({ db: store.db, dialect: store.dialect, jobs: new JobQueue(store.db, store.dialect), now: Date.now });
  } finally {
    await store.close();
  }
}

export const createOrganization = (config: Config, input: { name: string; id?: string }) =>
  withContext(config, async (ctx) => {
    const { organization, key } = await orgs.createOrganization(ctx, { ...input, keyName: 'initial' });
    return { organizationId: organization.id, name: organization.name, key: keyInfo(key.key), secretKey: key.secretKey };
  });

export const createKey = (config: Config, organizationId: string, name?: string) =>
  withContext(config, async (ctx) => {
    const org = await orgs.getOrganization(ctx, organizationId);
    const { key, secretKey } = await orgs.createKey(ctx, org, { name });
    return { key: keyInfo(key), secretKey };
  });

export const listKeys = (config: Config, organizationId: string) =>
  withContext(config, async (ctx) => {
    await orgs.getOrganization(ctx, organizationId);
    return (await orgs.listKeys(ctx, organizationId)).map(keyInfo);
  });

export const revokeKey = (config: Config, organizationId: string, keyId: string) =>
  withContext(config, (ctx) => orgs.revokeKey(ctx, organizationId, keyId));
