import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Containerd } from '../containerd/index.js';
import { serverLimitsOf, type FaasdConfig } from '../config/index.js';
import { listenAll, loadCredentials } from '../http/index.js';
import { ensureBridge } from '../network/index.js';
import { functionLogDir, openHost, type Host } from '../host/index.js';
import { createLogger, type Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { FunctionService } from './functions.js';
import { NamespaceService } from './namespaces.js';
import { Resolver } from './resolver.js';
import { SecretStore } from './secrets.js';
import { runAutoscaler } from '../autoscaler/index.js';
import { createProviderHandler, type ProviderHandler } from './server.js';

export interface ProviderOptions {
  config: FaasdConfig;
  /** Default: the config's providerPort (8081). */
  port?: number;
  /** Addresses to listen on; default 127.0.0.1 and the bridge gateway (not every interface). */
  listen?: string[];
  /** How often to look for functions that should run and do not, besides exit events. */
  recheckIntervalMs?: number;
  /** How long an update waits for the new version, and an invocation for a function, to be ready. */
  readyTimeoutMs?: number;
  /** Aborts the wait for containerd. */
  signal?: AbortSignal;
}

/** The provider's services, built on a host; the daemon's gateway calls them in-process. */
export interface Provider {
  functions: FunctionService;
  namespaces: NamespaceService;
  handler: ProviderHandler;
  /** Stops following task exits and closes the function pools; running functions are left alone. */
  stop(): Promise<void>;
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

/** Builds the provider on the host's clients: reconcile, then follow task exits until stop(). */
export async function createProvider(
  host: Host,
  log: Logger,
  o: Pick<ProviderOptions, 'recheckIntervalMs' | 'readyTimeoutMs'> = {},
): Promise<Provider> {
  const cfg = host.config;
  const ctd = host.containerd.inNamespace(cfg.functionNamespace);
  const network = host.network;
  await network.prepareFiles();
  await ensureBridge(cfg.bridge, network.gateway, network.prefix);
  const logDir = functionLogDir(cfg);
  const namespaces = new NamespaceService(ctd, cfg.functionNamespace, [cfg.namespace, 'default']);
  await namespaces.ensureDefault();
  const secrets = new SecretStore(join(cfg.providerDir, 'secrets'));
  // Only a ready serving container is an address to cache; the rest goes through functions.endpoint.
  const resolver = new Resolver((ns, name) => functions.readyAddresses(ns, name));
  const functions: FunctionService = new FunctionService({
    ctd,
    runtime: host.functionRuntime,
    network,
    registry: host.registry,
    secrets,
    namespaces,
    resolver,
    log,
    stopGraceMs: cfg.stopGraceMs,
    logDir,
    ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
  });
  await secrets.migrate(log);
  // Read on from the log FIFOs of functions that ran on while no provider did.
  await host.functionRuntime.resumeLogs();
  await functions.reconcile();
  const handler = createProviderHandler({
    logDir,
    functions,
    namespaces,
    secrets,
    credentials: await loadCredentials(join(cfg.stateDir, 'secrets')),
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
  return {
    functions,
    namespaces,
    handler,
    async stop() {
      ctl.abort();
      handler.close();
      await watching;
    },
  };
}

/** `faasd provider`: reconcile, then serve until stop(). Running functions are left alone on stop. */
export async function startProvider(o: ProviderOptions): Promise<RunningProvider> {
  const log = createLogger('faasd provider');
  const host = await openHost(o.config, { log, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    const provider = await createProvider(host, log, o);
    const http = await listenAll(
      o.listen ?? ['127.0.0.1', host.network.gateway],
      o.port ?? o.config.providerPort,
      (req, res) => provider.handler.handle(req, res),
      serverLimitsOf(o.config),
      log,
    ).catch(async (err: unknown) => {
      await provider.stop();
      throw err;
    });
    return {
      ports: http.ports,
      async stop() {
        http.close();
        await provider.stop();
        host.close();
        log.info('stopped');
      },
    };
  } catch (err) {
    host.close();
    throw err;
  }
}
