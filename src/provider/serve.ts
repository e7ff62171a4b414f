import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Containerd } from '../containerd/index.js';
import { serverLimitsOf, type FaasdConfig } from '../config/index.js';
import { createLimitedServer } from '../http/index.js';
import { RegistryClient } from '../image/index.js';
import { ContainerRuntime } from '../runtime/index.js';
import { ensureBridge, networkFromConfig } from '../network/index.js';
import { createLogger, type Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { loadCredentials } from './auth.js';
import { FunctionService } from './functions.js';
import { NamespaceService } from './namespaces.js';
import { Resolver } from './resolver.js';
import { SecretStore } from './secrets.js';
import { runAutoscaler } from '../autoscaler/index.js';
import { createProviderHandler } from './server.js';
import type { Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProviderOptions {
  config: FaasdConfig;
  port?: number;
  /** Addresses to listen on; default 127.0.0.1 and the bridge gateway (not every interface). */
  listen?: string[];
  stopGraceMs?: number;
  /** How often to look for functions that should run and do not, besides exit events. */
  recheckIntervalMs?: number;
  /** How long an update waits for the new version, and an invocation for a function, to be ready. */
  readyTimeoutMs?: number;
}

export interface RunningProvider {
  ports: number[];
  stop(): Promise<void>;
}

/** A function's task exited or was found not running: forget its address and let Liveness restart it. */
type OnDead = (namespace: string, name: string) => void;

function restarter(resolver: Resolver, functions: FunctionService, log: Logger): OnDead {
  return (namespace, name) => {
    resolver.invalidate(namespace, name);
    functions.live.onTaskExit(namespace, name).catch((err: unknown) => {
      log.error('function restart failed', { namespace, function: name, error: errorMessage(err) });
    });
  };
}

/** Follows task exits in every namespace; reconnects when containerd does. */
async function watchExits(
  ctd: Containerd,
  resolver: Resolver,
  onDead: OnDead,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let backoff = 200;
  while (!signal.aborted) {
    try {
      for await (const ev of ctd.events.subscribe(['topic=="/tasks/exit"'], signal)) {
        if (ev.containerId) onDead(ev.namespace, ev.containerId);
        backoff = 200;
      }
    } catch (err) {
      if (signal.aborted) return;
      log.warn('lost containerd events; reconnecting', { error: errorMessage(err), in_ms: backoff });
      resolver.clear();
    }
    await delay(backoff, undefined, { signal }).catch(() => undefined);
    backoff = Math.min(backoff * 2, 5000);
  }
}

/** Every `everyMs`, finds functions whose exit no event reported (containerd does not promise one). */
async function sweepExits(
  functions: FunctionService,
  onDead: OnDead,
  signal: AbortSignal,
  everyMs: number,
): Promise<void> {
  while (!signal.aborted) {
    await delay(everyMs, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    // containerd away: watchExits reports it.
    for (const { namespace, name } of await functions.live.notRunning().catch(() => []))
      onDead(namespace, name);
  }
}

/** Starts the provider: reconcile, then serve until stop(). Running functions are left alone on stop. */
export async function startProvider(o: ProviderOptions): Promise<RunningProvider> {
  const log = createLogger('faasd provider');
  const cfg = o.config;
  const ctd = Containerd.connect(cfg.address, cfg.functionNamespace);
  await ctd.waitUntilReady({
    onRetry: (err, inMs, attempt) =>
      log.warn('containerd is not reachable; retrying', { error: errorMessage(err), in_ms: inMs, attempt }),
  });
  const network = networkFromConfig(cfg);
  await network.prepareFiles();
  await ensureBridge(cfg.bridge, network.gateway, network.prefix);
  const logDir = join(cfg.providerDir, 'logs');
  const runtime = new ContainerRuntime(ctd, {
    logDir,
    network,
    stopGraceMs: o.stopGraceMs ?? 5000,
  });
  const namespaces = new NamespaceService(ctd, cfg.functionNamespace, [cfg.namespace, 'default']);
  await namespaces.ensureDefault();
  const secrets = new SecretStore(join(cfg.providerDir, 'secrets'));
  const registry = new RegistryClient({
    insecure: cfg.insecureRegistries,
    dockerConfigPath: cfg.dockerConfig,
  });
  // Only a ready serving container is an address to cache; the rest goes through functions.endpoint.
  const resolver = new Resolver((ns, name) => functions.readyAddresses(ns, name));
  const functions: FunctionService = new FunctionService({
    ctd,
    runtime,
    network,
    registry,
    secrets,
    namespaces,
    resolver,
    log,
    stopGraceMs: o.stopGraceMs ?? 5000,
    logDir,
    ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
  });
  await secrets.migrate(log);
  await functions.reconcile();
  const credentials = await loadCredentials(join(cfg.stateDir, 'secrets'));
  const handler = createProviderHandler({
    logDir,
    functions,
    namespaces,
    secrets,
    credentials,
    resolver,
    log,
    functionMaxConnections: cfg.functionMaxConnections,
    scaleMetrics: functions.scaleMetrics,
  });
  const ctl = new AbortController();
  const onDead = restarter(resolver, functions, log);
  const watching = Promise.all([
    watchExits(ctd, resolver, onDead, log, ctl.signal),
    sweepExits(functions, onDead, ctl.signal, o.recheckIntervalMs ?? 5000),
    runAutoscaler(functions, resolver.load, cfg.autoscaleIntervalMs, log, ctl.signal),
  ]);

  const port = o.port ?? 8081;
  const servers: Server[] = [];
  const ports: number[] = [];
  // One http.Server per address (127.0.0.1 and the bridge gateway), all with the same handler.
  for (const host of o.listen ?? ['127.0.0.1', network.gateway]) {
    const s = createLimitedServer((req, res) => handler.handle(req, res), serverLimitsOf(cfg));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });
    servers.push(s);
    const bound = (s.address() as AddressInfo).port;
    ports.push(bound);
    log.info('listening', { address: `${host}:${bound}` });
  }
  return {
    ports,
    async stop() {
      ctl.abort();
      handler.close();
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
      await watching;
      ctd.close();
      log.info('stopped');
    },
  };
}
