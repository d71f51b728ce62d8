// Which endpoint, organization and key a command uses: flags win over the environment (the
// variables the Python SDK reads), which wins over the stored `vireo login`.
import type { Command } from 'commander';
import { ENV } from '@vireo/sdk';
import { readLogin } from './login-store.js';

// The variable names the SDK reads: one definition, so the CLI and the SDK cannot disagree.
export { ENV };

export interface CredentialFlags {
  endpoint?: string;
  org?: string;
  key?: string;
}

export type Source = 'flag' | 'environment' | 'login' | 'default';

export interface ResolvedCredentials {
  endpoint?: string;
  organizationId?: string;
  secretKey?: string;
  /** Where each value came from, for `vireo whoami`. */
  sources: { endpoint?: Source; organizationId?: Source; secretKey?: Source };
}

/** Adds --endpoint, --org and --key to a command that talks to a server. */
export function addCredentialOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', `server URL (env ${ENV.endpoint}; default: the one saved by \`vireo login\`)`)
    .option('--org <id>', `organization id (env ${ENV.organizationId})`)
    .option('--key <secret>', `secret key (env ${ENV.secretKey}; prefer the environment or \`vireo login\`: flags show in ps)`);
}

export function resolveCredentials(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): ResolvedCredentials {
  const stored = readLogin(env);
  const sources: ResolvedCredentials['sources'] = {};
  const pick = (name: keyof ResolvedCredentials['sources'], flag: string | undefined, envName: string, saved: string | undefined) => {
    const envValue = env[envName] || undefined;
    if (flag !== undefined) sources[name] = 'flag';
    else if (envValue !== undefined) sources[name] = 'environment';
    else if (saved !== undefined) sources[name] = 'login';
    return flag ?? envValue ?? saved;
  };
  return {
    endpoint: pick('endpoint', flags.endpoint, ENV.endpoint, stored?.endpoint),
    organizationId: pick('organizationId', flags.org, ENV.organizationId, stored?.organizationId),
    secretKey: pick('secretKey', flags.key, ENV.secretKey, stored?.secretKey),
    sources,
  };
}
