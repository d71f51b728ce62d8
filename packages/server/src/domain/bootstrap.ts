// First start: an empty database gets one organization and one secret key, so a fresh install is
// usable at once. Generated credentials are written to <dataDir>/credentials.json (mode 0600).
import fs from 'node:fs/promises';
import path from 'node:path';
import { countOrganizations } from '../store/organizations.js';
import type { DomainContext } from './context.js';
import { createOrganization } from './organizations.js';

export interface Credentials {
  organizationId: string;
  secretKey: string;
}

export interface BootstrapResult {
  /** Set on the start that created the organization. */
  created?: { organizationId: string; secretKeyGenerated: boolean };
  /** The credentials file, when this data directory has one. */
  credentials?: Credentials;
  credentialsFile: string;
}

export async function bootstrap(
  ctx: DomainContext,
  dataDir: string,
  init: { organizationId?: string; organizationName: string; secretKey?: string },
): Promise<BootstrapResult> {
  const credentialsFile = path.join(dataDir, 'credentials.json');
  let created: BootstrapResult['created'];
  if ((await countOrganizations(ctx.db)) === 0) {
    const made = await createOrganization(ctx, {
      id: init.organizationId,
      name: init.organizationName,
      secretKey: init.secretKey,
      keyName: 'initial',
    }).catch(async (err: unknown) => {
      // Another process sharing this database created it first.
      if ((await countOrganizations(ctx.db)) > 0) return undefined;
      throw err;
    });
    if (!made) return { credentials: await readCredentials(credentialsFile), credentialsFile };
    const { organization, key } = made;
    created = { organizationId: organization.id, secretKeyGenerated: init.secretKey === undefined };
    if (init.secretKey === undefined) {
      const body: Credentials = { organizationId: organization.id, secretKey: key.secretKey };
      await fs.writeFile(credentialsFile, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
    }
  }
  return { created, credentials: await readCredentials(credentialsFile), credentialsFile };
}

async function readCredentials(file: string): Promise<Credentials | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}
