import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { coreSecretsDir, type FaasdConfig } from '../config/index.js';
import type { Host } from '../host/index.js';
import type { Logger } from '../log.js';
import { ensureComposeSecrets, upgradeDefaultCompose } from '../install/index.js';
import { InvalidArgumentError } from '../errors.js';
import { parseCompose, type ServiceSpec } from './compose.js';
import { startOrder } from './order.js';
import { Supervisor } from './supervisor.js';
import { ensureImage, selfImageRef } from '../image/index.js';
import { ExecProbe } from './exec-probe.js';
import { prepareMountSources } from './mount-sources.js';

export interface CoreOptions {
  /**
   * `faasd up -f FILE`: a relative path is taken in the state directory, as faasd takes it in
   * /var/lib/faasd (default docker-compose.yaml there). Relative volume sources resolve against the
   * file's folder.
   */
  composeFile?: string;
  log: Logger;
}

export interface RunningCore {
  services: ServiceSpec[];
  composeFile: string;
  /** Stops and removes the core containers (SIGTERM, grace, SIGKILL), in reverse order. */
  stop(): Promise<void>;
}

/** The compose file `faasd up` reads: relative names are in the state directory, as faasd's `-f`. */
export function composePath(stateDir: string, file = 'docker-compose.yaml'): string {
  return resolve(stateDir, file);
}

/** faasd's one interpolation variable: the image tag suffix of its own multi-arch images. */
export function archSuffix(arch: string = process.arch): string {
  if (arch === 'arm64') return '-arm64';
  if (arch === 'arm') return '-armhf';
  return '';
}

export async function loadCompose(file: string): Promise<ServiceSpec[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError('compose', `cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // FAASD_IMAGE names this faasd's own packed image, so the default compose file never goes stale.
  const services = parseCompose(text, dirname(resolve(file)), {
    ARCH_SUFFIX: archSuffix(),
    ...process.env,
    FAASD_IMAGE: selfImageRef(),
  });
  startOrder(services); // cycles and unknown dependencies fail here, before anything starts
  return services;
}

/**
 * What an older version left that this one runs differently: a default compose file whose `command`s
 * expected the entrypoint prepended, and secret files only root could read. Like faasd's up, this also
 * writes the basic-auth files when they are missing.
 */
async function migrate(config: FaasdConfig, composeFile: string, log: Logger): Promise<void> {
  if (await upgradeDefaultCompose(composeFile))
    log.info('replaced an older default compose file', { compose: composeFile });
  const secrets = await ensureComposeSecrets(coreSecretsDir(config));
  for (const path of secrets.created) log.info('created secret file', { path });
  for (const path of secrets.fixed) log.info('fixed secret mode', { path });
}

/** Reads the compose file (migrating an older default) and starts its services on the host. */
export interface LoadedCore {
  services: ServiceSpec[];
  composeFile: string;
  /** Starts the services on the host (adopting what a crashed run left); on failure removes what it started. */
  start(host: Host): Promise<RunningCore>;
}

/**
 * Reads the compose file (migrating an older default) and prepares its mount sources; starts nothing,
 * so the daemon knows which services the file runs before it decides what runs in-process, and a bad
 * file fails before anything waits for containerd.
 */
export async function loadCore(config: FaasdConfig, o: CoreOptions): Promise<LoadedCore> {
  const log = o.log;
  const composeFile = composePath(config.stateDir, o.composeFile);
  await migrate(config, composeFile, log);
  const services = await loadCompose(composeFile);
  await prepareMountSources(services, coreSecretsDir(config), log);
  return {
    services,
    composeFile,
    async start(host: Host) {
      const core = host.containerd.inNamespace(config.namespace);
      const sup = new Supervisor(services, {
        ctd: host.containerd,
        runtime: host.coreRuntime,
        network: host.network,
        images: { ensure: (ref) => ensureImage(core, host.registry, ref, log) },
        probe: new ExecProbe(core),
        log,
        namespace: config.namespace,
        stopGraceMs: config.stopGraceMs,
      });
      try {
        // Read on from the log FIFOs of services that ran on while no daemon did.
        await host.coreRuntime.resumeLogs();
        await sup.up();
      } catch (err) {
        await sup.down();
        throw err;
      }
      log.info('core is up', { services: services.map((s) => s.name).join(','), compose: composeFile });
      return { services, composeFile, stop: () => sup.down() };
    },
  };
}

/** Reads the compose file and starts its services on the host. */
export async function startCore(host: Host, o: CoreOptions): Promise<RunningCore> {
  return (await loadCore(host.config, o)).start(host);
}
