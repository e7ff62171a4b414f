import { Option, type Command } from 'commander';
import { networkFromConfig, formatNetTable, parseDnsServers } from '../network/index.js';
import { up } from '../supervisor/index.js';
import { startProvider } from '../provider/index.js';
import { gatewayOptionsFromEnv, startGateway } from '../gateway/index.js';
import { startQueueWorker, workerOptionsFromEnv } from '../queue-worker/index.js';
import { createLogger } from '../log.js';
import { install, uninstall } from '../install/index.js';

/** Resolves on the first SIGTERM or SIGINT, including one caught while the bundle was loading. */
function untilSignal(): Promise<void> {
  return new Promise<void>((res) => {
    if ((globalThis as { __faasdEarlySignal?: string }).__faasdEarlySignal) res();
    process.once('SIGTERM', () => res());
    process.once('SIGINT', () => res());
  });
}

/**
 * Runs a daemon until SIGTERM/SIGINT, then stops it. A signal that comes while it is still starting
 * (waiting for NATS, say) ends the process at once: it has nothing to hand over yet.
 */
async function serveUntilSignal(start: () => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const signalled = untilSignal();
  const starting = start();
  const first = await Promise.race([
    starting.then(() => 'started' as const),
    signalled.then(() => 'signal' as const),
  ]);
  if (first === 'signal') {
    void starting.then((r) => r.stop()).catch(() => undefined);
    setTimeout(() => process.exit(0), 500).unref();
    return;
  }
  const running = await starting;
  await signalled;
  await running.stop();
  // Stopped cleanly: exit now rather than wait on a client library's stray timer (the NATS client's).
  setImmediate(() => process.exit(0));
}
import { configFrom, type GlobalFlags } from './context.js';
import { runAction } from './run.js';

/** Commands of the other subsystems register here. */
export function registerCommands(program: Command): void {
  const globals = (): GlobalFlags => program.opts<GlobalFlags>();
  program
    .command('up')
    .description('run the core stack from docker-compose.yaml until SIGTERM, then remove it')
    .option(
      '-f, --file <file>',
      'compose file; a relative path is in the state directory, as in faasd',
      'docker-compose.yaml',
    )
    // The name this flag had before faasd's -f/--file was taken up.
    .addOption(new Option('--compose <file>', 'same as --file').hideHelp())
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .action((opts: { file: string; compose?: string; stateDir?: string }) =>
      runAction(async () => {
        const cfg = configFrom({ ...globals(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
        await up({ config: cfg, composeFile: opts.compose ?? opts.file });
      }),
    );

  program
    .command('provider')
    .description('serve the OpenFaaS provider API (functions on containerd) until SIGTERM')
    .option('--port <port>', 'port on 127.0.0.1 and the bridge gateway', '8081')
    .option('--listen <address...>', 'addresses to listen on (default 127.0.0.1 and the bridge gateway)')
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .action((opts: { port: string; listen?: string[]; stateDir?: string }) =>
      runAction(async () => {
        const cfg = configFrom({ ...globals(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
        await serveUntilSignal(() =>
          startProvider({
            config: cfg,
            port: Number(opts.port),
            ...(opts.listen ? { listen: opts.listen } : {}),
          }),
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
    .description('serve the OpenFaaS gateway (env FAASD_PROVIDER_URL, FAASD_NATS_URL, FAASD_SECRETS_DIR, …)')
    .action(() =>
      runAction(async () => {
        await serveUntilSignal(() => startGateway(gatewayOptionsFromEnv()));
      }),
    );

  program
    .command('queue-worker')
    .description(
      'run async invocations from NATS JetStream (env FAASD_NATS_URL, FAASD_GATEWAY_URL, FAASD_MAX_INFLIGHT, …)',
    )
    .action(() =>
      runAction(async () => {
        await serveUntilSignal(() =>
          startQueueWorker(workerOptionsFromEnv(createLogger('faasd queue-worker'))),
        );
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
