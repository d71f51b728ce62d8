// Organizations and their secret keys.
import * as store from '../store/organizations.js';
import type { ApiKeyRow, OrganizationRow } from '../store/organizations.js';
import type { DomainContext, Principal } from './context.js';
import { AppError, conflict, notFound } from './errors.js';
import { newId, newOrganizationId, newUserId } from './ids.js';
import { displayPrefix, generateSecretKey, hashSecretKey, isWellFormedSecretKey, sameHash } from './secret-keys.js';

export type { ApiKeyRow, OrganizationRow };

export interface CreatedKey {
  key: ApiKeyRow;
  secretKey: string;
}

export async function createOrganization(
  ctx: DomainContext,
  input: { id?: string; name: string; secretKey?: string; keyName?: string },
): Promise<{ organization: OrganizationRow; key: CreatedKey }> {
  const now = ctx.now();
  const organization: OrganizationRow = {
    id: input.id ?? newOrganizationId(),
    name: input.name,
    owner_user_id: newUserId(),
    created_at: now,
    last_access: now,
  };
  if (organization.id.includes('_')) throw new AppError('ValidationFailed', 'Organization ids cannot contain "_"');
  if (await store.findOrganization(ctx.db, organization.id)) throw conflict(`Organization ${organization.id} already exists`);
  await store.insertOrganization(ctx.db, organization);
  const key = await createKey(ctx, organization, { name: input.keyName ?? 'default', secretKey: input.secretKey });
  return { organization, key };
}

export async function getOrganization(ctx: DomainContext, id: string): Promise<OrganizationRow> {
  const org = await store.findOrganization(ctx.db, id);
  if (!org) throw notFound('Organization', id);
  return org;
}

export async function createKey(
  ctx: DomainContext,
  organization: Pick<OrganizationRow, 'id' | 'owner_user_id'>,
  input: { name?: string; secretKey?: string },
): Promise<CreatedKey> {
  const secretKey = input.secretKey ?? generateSecretKey();
  if (!isWellFormedSecretKey(secretKey)) throw new AppError('ValidationFailed', 'A secret key is "dtvi_" followed by 98 URL-safe characters');
  const key: ApiKeyRow = {
    id: newId(),
    organization_id: organization.id,
    user_id: organization.owner_user_id,
    name: input.name ?? 'unnamed',
    key_hash: hashSecretKey(secretKey),
    prefix: displayPrefix(secretKey),
    created_at: ctx.now(),
    last_used_at: null,
    revoked_at: null,
  };
  if (await store.findApiKeyByHash(ctx.db, key.key_hash)) throw conflict('This secret key is already in use');
  await store.insertApiKey(ctx.db, key);
  return { key, secretKey };
}

export const listKeys = (ctx: DomainContext, organizationId: string) => store.listApiKeys(ctx.db, organizationId);

/** Revokes a key. The last active key of an organization cannot be revoked: nobody could get back in. */
export async function revokeKey(ctx: DomainContext, organizationId: string, keyId: string): Promise<void> {
  const key = await store.findApiKey(ctx.db, organizationId, keyId);
  if (!key) throw notFound('Key', keyId);
  if (key.revoked_at !== null) return;
  if ((await store.countActiveApiKeys(ctx.db, organizationId)) <= 1) {
    throw conflict('This is the organization\'s last active key; create another key before revoking it');
  }
  await store.revokeApiKey(ctx.db, key.id, ctx.now());
}

/** Finds who a secret key belongs to; undefined for unknown, malformed or revoked keys. */
export async function authenticate(ctx: DomainContext, secretKey: string): Promise<Principal | undefined> {
  if (!isWellFormedSecretKey(secretKey)) return undefined;
  const hash = hashSecretKey(secretKey);
  const key = await store.findApiKeyByHash(ctx.db, hash);
  if (!key || key.revoked_at !== null || !sameHash(key.key_hash, hash)) return undefined;
  return { organizationId: key.organization_id, userId: key.user_id, keyId: key.id };
}

/** Records that a key and its organization were used (callers throttle this). */
export async function recordUse(ctx: DomainContext, principal: Principal): Promise<void> {
  const now = ctx.now();
  await Promise.all([
    store.touchApiKey(ctx.db, principal.keyId, now),
    store.touchOrganization(ctx.db, principal.organizationId, now),
  ]);
}
