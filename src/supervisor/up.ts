import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Containerd } from '../containerd/index.js';
import type { FaasdConfig } from '../config/index.js';
import { RegistryClient } from '../image/index.js';
import { ContainerRuntime } from '../runtime/index.js';
import { networkFromConfig } from '../network/index.js';
import { createLogger, type Logger } from '../log.js';
import { ensureComposeSecrets, upgradeDefaultCompose } from '../install/index.js';
import { InvalidArgumentError, errorMessage } from '../errors.js';
import { parseCompose, type ServiceSpec } from './compose.js';
import { startOrder } from './order.js';
import { Supervisor } from './supervisor.js';
import { selfImageRef } from './local-images.js';
import { prepareMountSources } from './mount-sources.js';

export interface UpOptions {
  config: FaasdConfig;
  /**
   * `faasd up -f FILE`: a relative path is taken in the state directory, as faasd takes it in
   * /var/lib/faasd (default docker-compose.yaml there). Relative volume sources resolve against the
   * file's folder.
   */
  composeFile?: string;
  stopGraceMs?: number;
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
async function migrate(stateDir: string, composeFile: string, log: Logger): Promise<void> {
  if (await upgradeDefaultCompose(composeFile))
    log.info('replaced an older default compose file', { compose: composeFile });
  const secrets = await ensureComposeSecrets(join(stateDir, 'secrets'));
  for (const path of secrets.created) log.info('created secret file', { path });
  for (const path of secrets.fixed) log.info('fixed secret mode', { path });
}

/**
 * `faasd up`: runs the compose services until SIGTERM or SIGINT, then removes them all.
 * Resolves when it has stopped.
 */
export async function up(o: UpOptions): Promise<void> {
  // Handlers first: a SIGTERM during start-up still ends in a clean stop, never a half-made stack.
  const stop = new Promise<string>((res) => {
    process.once('SIGTERM', () => res('SIGTERM'));
    process.once('SIGINT', () => res('SIGINT'));
  });
  const log = createLogger('faasd up');
  const composeFile = composePath(o.config.stateDir, o.composeFile);
  await migrate(o.config.stateDir, composeFile, log);
  const services = await loadCompose(composeFile);
  await prepareMountSources(services, join(o.config.stateDir, 'secrets'), log);
  const ctd = Containerd.connect(o.config.address, o.config.namespace);
  // containerd may come up after us, or be restarting: wait as long as it takes, or until a signal.
  const waiting = new AbortController();
  void stop.then(() => waiting.abort());
  try {
    await ctd.waitUntilReady({
      signal: waiting.signal,
      onRetry: (err, inMs, attempt) =>
        log.warn('containerd is not reachable; retrying', {
          address: o.config.address,
          error: errorMessage(err),
          in_ms: inMs,
          attempt,
        }),
    });
  } catch (err) {
    ctd.close();
    if (waiting.signal.aborted) return log.info('stopped before containerd was reachable');
    throw err;
  }
  const network = networkFromConfig(o.config);
  const runtime = new ContainerRuntime(ctd, {
    logDir: join(o.config.stateDir, 'logs'),
    network,
    stopGraceMs: o.stopGraceMs ?? 5000,
  });
  const registry = new RegistryClient({
    insecure: o.config.insecureRegistries,
    dockerConfigPath: o.config.dockerConfig,
  });
  const sup = new Supervisor(services, {
    ctd,
    runtime,
    network,
    registry,
    log,
    namespace: o.config.namespace,
    stopGraceMs: o.stopGraceMs ?? 5000,
  });

  try {
    await sup.up();
    log.info('stack is up', { services: services.length, compose: composeFile });
    const sig = await stop;
    log.info('stopping', { signal: sig });
  } finally {
    await sup.down();
    ctd.close();
    log.info('stopped');
  }
}
