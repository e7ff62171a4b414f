import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Containerd } from '../containerd/index.js';
import type { FaasdConfig } from '../config/index.js';
import { RegistryClient } from '../image/index.js';
import { ContainerRuntime } from '../runtime/index.js';
import { networkFromConfig } from '../network/index.js';
import { createLogger } from '../log.js';
import { InvalidArgumentError, errorMessage } from '../errors.js';
import { parseCompose, type ServiceSpec } from './compose.js';
import { startOrder } from './order.js';
import { Supervisor } from './supervisor.js';
import { selfImageRef } from './local-images.js';

export interface UpOptions {
  config: FaasdConfig;
  /** docker-compose.yaml; relative volume sources resolve against its directory. */
  composeFile?: string;
  stopGraceMs?: number;
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
  const services = parseCompose(text, resolve(file, '..'), { ...process.env, FAASD_IMAGE: selfImageRef() });
  startOrder(services); // cycles and unknown dependencies fail here, before anything starts
  return services;
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
  const composeFile = o.composeFile ?? join(o.config.stateDir, 'docker-compose.yaml');
  const services = await loadCompose(composeFile);
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
