// `vireo serve`: run the server until SIGINT/SIGTERM.
import type { Command } from 'commander';
import type { RunningServer } from '@vireo/server';
import { reportError } from '../output.js';
import { addServerDataOptions, configFrom } from './server-options.js';

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('Start the Vireo server (SQLite + local disk by default)')
    .option('-p, --port <port>', 'port to listen on (default 8080; 0 picks a free one; env PORT)')
    .option('--host <host>', 'address to bind (default localhost; 0.0.0.0 for every interface; env HOST)')
    .option('--public-url <url>', 'base URL of signed links (default http://localhost:<port>; env VIREO_PUBLIC_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info; env VIREO_LOG_LEVEL)');
  addServerDataOptions(cmd)
    .addHelpText(
      'after',
      `
Every setting can also come from the environment; see docs/configuration.md.

Examples:
  $ vireo serve
  $ PORT=9000 VIREO_DATA_DIR=/srv/vireo vireo serve
  $ vireo serve --database-url postgres://vireo@db/vireo --public-url https://vireo.example.com --host 0.0.0.0
`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const config = await configFrom(opts, [
        ['port', 'PORT'],
        ['host', 'HOST'],
        ['publicUrl', 'VIREO_PUBLIC_URL'],
        ['logLevel', 'VIREO_LOG_LEVEL'],
      ]);
      const { startServer, VERSION } = await import('@vireo/server');
      const server = await startServer(config);
      printBanner(server, VERSION);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          server.log.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        server.log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
        const force = setTimeout(() => {
          server.log.error('shutdown took too long: exiting');
          process.exit(1);
        }, (config.shutdownGraceSeconds + 5) * 1000);
        force.unref();
        server.close().then(
          () => process.exit(0),
          (err: unknown) => process.exit(reportError(err)),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

function printBanner(server: RunningServer, VERSION: string): void {
  const { url, config, bootstrap } = server;
  const storage = config.database.dialect === 'sqlite' ? `SQLite + local disk in ${config.dataDir}` : 'PostgreSQL';
  const lines = [``, `Vireo ${VERSION} is running at ${url}  (${storage})`, ``];
  const creds = bootstrap.credentials;
  if (creds) {
    lines.push(
      `  Organization id:  ${creds.organizationId}`,
      `  Secret key:       ${creds.secretKey}`,
      `  (kept in ${bootstrap.credentialsFile}; keep it secret)`,
      ``,
      `  Try it:`,
      `    curl -H "Authorization: Bearer ${creds.secretKey}" -H "Organization-Id: ${creds.organizationId}" ${url}/workspaces/${creds.organizationId}/datasets`,
    );
  } else if (bootstrap.created) {
    lines.push(`  Organization id:  ${bootstrap.created.organizationId}`, `  Secret key:       the one given in VIREO_INIT_SECRET_KEY`);
  } else {
    lines.push(`  Use a secret key of your organization (create one with: vireo keys create --org <organization id>).`);
  }
  lines.push(`  Health: ${url}/healthz   Metrics: ${url}/metrics   OpenAPI: ${url}/openapi.json`, ``);
  process.stdout.write(lines.join('\n') + '\n');
}
