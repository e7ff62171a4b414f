import { Option, type Command } from 'commander';
import { networkFromConfig, formatNetTable, parseDnsServers } from '../network/index.js';
import { startDaemon } from '../daemon/index.js';
import { startProvider } from '../provider/index.js';
import { gatewayOptionsOf, startGateway } from '../gateway/index.js';
import { startQueueWorker, workerOptionsOf } from '../queue-worker/index.js';
import { createLogger } from '../log.js';
import { install, uninstall } from '../install/index.js';
import { InvalidArgumentError } from '../errors.js';
import { serveUntilSignal } from './signals.js';

import { configFrom, type GlobalFlags } from './context.js';
import { runAction } from './run.js';

/** Commands of the other subsystems register here. */
export function registerCommands(program: Command): void {
  const globals = (): GlobalFlags => program.opts<GlobalFlags>();
  program
    .command('up')
    .description(
      'the faasd daemon: the core stack from docker-compose.yaml (removed on SIGTERM), the provider, the gateway and the queue-worker',
    )
    .option(
      '-f, --file <file>',
      'compose file; a relative path is in the state directory, as in faasd',
      'docker-compose.yaml',
    )
    // The name this flag had before faasd's -f/--file was taken up.
    .addOption(new Option('--compose <file>', 'same as --file').hideHelp())
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .option('--no-provider', 'split deployment: only the core stack (a separate `faasd provider` runs)')
    .action((opts: { file: string; compose?: string; stateDir?: string; provider: boolean }) =>
      runAction(async () => {
        const cfg = configFrom({ ...globals(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
        await serveUntilSignal((signal) =>
          startDaemon({
            config: cfg,
            composeFile: opts.compose ?? opts.file,
            provider: opts.provider,
            signal,
          }),
        );
      }),
    );

  program
    .command('provider')
    .description('serve the OpenFaaS provider API (functions on containerd) until SIGTERM')
    .option(
      '--port <port>',
      'port on 127.0.0.1 and the bridge gateway (env FAASD_PROVIDER_PORT; default 8081)',
    )
    .option('--listen <address...>', 'addresses to listen on (default 127.0.0.1 and the bridge gateway)')
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .action((opts: { port?: string; listen?: string[]; stateDir?: string }) =>
      runAction(async () => {
        const cfg = configFrom({ ...globals(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
        const port = opts.port === undefined ? cfg.providerPort : Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new InvalidArgumentError('--port', `--port ${JSON.stringify(opts.port)} is not a port`);
        await serveUntilSignal((signal) =>
          startProvider({ config: cfg, port, signal, ...(opts.listen ? { listen: opts.listen } : {}) }),
        );
      }),
    );

  program
    .command('install')
    .description('install faasd: /var/lib/faasd layout, compose file, secrets, CNI conflist, systemd units')
    .option('--root <dir>', 'install under this prefix instead of /', '/')
    .option('--uninstall', 'remove what install made (secrets are kept unless --purge-secrets)')
    .option('--purge-secrets', 'with --uninstall: remove the secrets too')
    .option('--no-start', 'do not enable and start the systemd units')
    .option(
      '--dns <addresses>',
      "nameservers for functions and services, e.g. 1.1.1.1,9.9.9.9 (default: the host's)",
    )
    .action(
      (opts: { root: string; uninstall?: boolean; purgeSecrets?: boolean; start: boolean; dns?: string }) =>
        runAction(async () => {
          const base = {
            config: configFrom(globals()),
            root: opts.root,
            start: opts.start,
            ...(opts.dns ? { dns: parseDnsServers('--dns', opts.dns) } : {}),
          };
          if (opts.uninstall) await uninstall({ ...base, purgeSecrets: opts.purgeSecrets ?? false });
          else await install(base);
        }),
    );

  program
    .command('gateway')
    .description(
      'split deployment: the OpenFaaS gateway in front of a separate provider (env FAASD_PROVIDER_URL, FAASD_NATS_URL, FAASD_SECRETS_DIR, …)',
    )
    .action(() =>
      runAction(async () => {
        const cfg = configFrom(globals());
        await serveUntilSignal(() => startGateway(gatewayOptionsOf(cfg)));
      }),
    );

  program
    .command('queue-worker')
    .description(
      'split deployment: run async invocations from NATS JetStream (env FAASD_NATS_URL, FAASD_GATEWAY_URL, FAASD_MAX_INFLIGHT, …)',
    )
    .action(() =>
      runAction(async () => {
        const o = workerOptionsOf(configFrom(globals()), createLogger('faasd queue-worker'));
        if (!o)
          throw new InvalidArgumentError('FAASD_NATS_URL', 'FAASD_NATS_URL=off: the queue-worker needs NATS');
        await serveUntilSignal(() => startQueueWorker(o));
      }),
    );

  const net = program.command('net').description('the faasd network');
  net
    .command('ls')
    .description('list network attachments from the IPAM store')
    .option('--json', 'print the store records as JSON')
    .option('--namespace <ns>', 'only this containerd namespace')
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .action((opts: { json?: boolean; namespace?: string; stateDir?: string }) =>
      runAction(async () => {
        const cfg = configFrom({ ...globals(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
        const records = await networkFromConfig(cfg).records(opts.namespace);
        process.stdout.write(opts.json ? `${JSON.stringify(records, null, 2)}\n` : formatNetTable(records));
      }),
    );
}
