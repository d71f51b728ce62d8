// `vireo serve`: run the server until SIGINT/SIGTERM.
import cluster from 'node:cluster';
import type { Command } from 'commander';
import type { Config, RunningServer } from '@vireo/server';
import { reportError } from '../output.js';
import { startPrimary, type ListeningMessage } from './serve-processes.js';
import { addServerDataOptions, configFrom } from './server-options.js';

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('Start the Vireo server (SQLite + local disk by default)')
    .option('-p, --port <port>', 'port to listen on (default 8080; 0 picks a free one; env PORT)')
    .option('--host <host>', 'address to bind (default localhost; 0.0.0.0 for every interface; env HOST)')
    .option('--public-url <url>', 'base URL of signed links (default http://localhost:<port>; env VIREO_PUBLIC_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info; env VIREO_LOG_LEVEL)')
    .option('--processes <n>', 'server processes sharing the port, or auto for one per CPU (default 1; env VIREO_PROCESSES)');
  addServerDataOptions(cmd)
    .addHelpText(
      'after',
      `
Every setting can also come from the environment; see docs/configuration.md.

Examples:
  $ vireo serve
  $ PORT=9000 VIREO_DATA_DIR=/srv/vireo vireo serve
  $ vireo serve --database-url postgres://vireo@db/vireo --public-url https://vireo.example.com --host 0.0.0.0
  $ vireo serve --processes auto      # one server process per CPU, on one port
`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const config = await configFrom(opts, [
        ['port', 'PORT'],
        ['host', 'HOST'],
        ['publicUrl', 'VIREO_PUBLIC_URL'],
        ['logLevel', 'VIREO_LOG_LEVEL'],
        ['processes', 'VIREO_PROCESSES'],
      ]);
      const server = await import('@vireo/server');
      if (config.processes > 1 && cluster.isPrimary) {
        // The primary: prepares once, then runs the server processes (each re-enters this command).
        const log = server.createLog(config, { role: 'primary' });
        const boot = await server.prepareServer(config);
        const primary = await startPrimary(config, log);
        printBanner(primary.url, config, boot, server.VERSION);
        primary.failed.catch((err: Error) => {
          log.error(err.message);
          void primary.close().then(() => process.exit(1));
        });
        stopOnSignals(config, log, () => primary.close());
        return;
      }
      const running = await server.startServer(config);
      if (cluster.isWorker) process.send!({ kind: 'vireo-listening', url: running.url } satisfies ListeningMessage);
      else printBanner(running.url, config, running.bootstrap, server.VERSION);
      stopOnSignals(config, running.log, () => running.close());
    });
}

/** SIGINT/SIGTERM: finish in-flight work and exit 0; a second signal, or a shutdown past the grace period, exits 1. */
function stopOnSignals(config: Config, log: RunningServer['log'], close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const force = setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, (config.shutdownGraceSeconds + 5) * 1000);
    force.unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => process.exit(reportError(err)),
    );
  };
  // Ctrl-C reaches every process of the terminal's group: a server process started by
  // --processes leaves it to the primary, which then stops each with SIGTERM.
  process.on('SIGINT', () => (cluster.isWorker ? undefined : stop('SIGINT')));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function printBanner(url: string, config: Config, bootstrap: RunningServer['bootstrap'], VERSION: string): void {
  const storage = config.database.dialect === 'sqlite' ? `SQLite + local disk in ${config.dataDir}` : 'PostgreSQL';
  const processes = config.processes > 1 ? `, ${config.processes} processes` : '';
  const lines = [``, `Vireo ${VERSION} is running at ${url}  (${storage}${processes})`, ``];
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
