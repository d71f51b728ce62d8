// The SDK client a command uses, built from the resolved credentials.
import { Client } from '@vireo/sdk/node';
import { resolveCredentials, ENV, type CredentialFlags } from './config/credentials.js';
import { UsageError } from './output.js';

export { DEFAULT_ENDPOINT } from '@vireo/sdk';
import { DEFAULT_ENDPOINT } from '@vireo/sdk';

export function clientFrom(flags: CredentialFlags): Client {
  const c = resolveCredentials(flags);
  const missing: string[] = [];
  if (!c.organizationId) missing.push(`an organization (--org or ${ENV.organizationId})`);
  if (!c.secretKey) missing.push(`a secret key (--key or ${ENV.secretKey})`);
  if (missing.length > 0) {
    throw new UsageError(`not logged in: run \`vireo login\`, or give ${missing.join(' and ')}`);
  }
  try {
    return new Client({ endpoint: c.endpoint ?? DEFAULT_ENDPOINT, organizationId: c.organizationId!, secretKey: c.secretKey! });
  } catch (err) {
    // The SDK checks the values up front (malformed key, bad URL): that is a usage error.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
