// Queries on organizations and their secret keys.
import type { Db } from './db.js';
import type { ApiKeysTable, OrganizationsTable } from './schema.js';

export type OrganizationRow = OrganizationsTable;
export type ApiKeyRow = ApiKeysTable;

export const insertOrganization = (db: Db, row: OrganizationRow) => db.insertInto('organizations').values(row).execute();

export const findOrganization = (db: Db, id: string) =>
  db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();

export const countOrganizations = async (db: Db) =>
  Number((await db.selectFrom('organizations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

export const touchOrganization = (db: Db, id: string, at: number) =>
  db.updateTable('organizations').set({ last_access: at }).where('id', '=', id).execute();

export const insertApiKey = (db: Db, row: ApiKeyRow) => db.insertInto('api_keys').values(row).execute();

export const findApiKeyByHash = (db: Db, keyHash: string) =>
  db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();

export const listApiKeys = (db: Db, organizationId: string) =>
  db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').orderBy('id').execute();

export const findApiKey = (db: Db, organizationId: string, id: string) =>
  db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();

export const countActiveApiKeys = async (db: Db, organizationId: string) =>
  Number(
    (
      await db
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('organization_id', '=', organizationId)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

export const revokeApiKey = (db: Db, id: string, at: number) =>
  db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();

export const touchApiKey = (db: Db, id: string, at: number) =>
  db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
