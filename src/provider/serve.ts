import {
  coreSecretsDir,
  functionLogDir,
  functionSecretsDir,
  serverLimitsOf,
  type FaasdConfig,
} from '../config/index.js';
import { listenAll, loadCredentials } from '../http/index.js';
import { ensureBridge } from '../network/index.js';
import { openHost, type Host } from '../host/index.js';
import { TaskWatcher } from '../runtime/index.js';
import { createLogger, type Logger } from '../log.js';
import { FunctionService } from './functions.js';
import { NamespaceService } from './namespaces.js';
import { Resolver } from './resolver.js';
import { SecretStore } from './secrets.js';
import { runAutoscaler, ScaleMetrics } from '../autoscaler/index.js';
import { createProviderHandler, type ProviderHandler } from './server.js';
import { FunctionAnnotationsReader, type FunctionAnnotations } from './function-status.js';
import { Laps } from '../laps.js';

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
  /** Ready addresses and load per function (the gateway's data-path thread mirrors and feeds them). */
  resolver: Resolver;
  /** Every function's name and annotations, without its status (cron triggers' refresh). */
  annotations(): Promise<FunctionAnnotations[]>;
  /** Stops following task exits and closes the function pools; running functions are left alone. */
  stop(): Promise<void>;
}

export interface RunningProvider {
  ports: number[];
  stop(): Promise<void>;
}

/**
 * What must be on the host before any container of it is made: the files containers bind-mount (hosts,
 * resolv.conf), the neighbour table's room, and the bridge with its fixed MAC (bridge-mac.ts: made by
 * the first CNI ADD instead, it would have none). `faasd up` runs it before its core starts beside
 * the provider's reconcile.
 */
export async function prepareHostNetwork(host: Pick<Host, 'config' | 'network'>, log: Logger): Promise<void> {
  const network = host.network;
  // Independent: files and sysctls, and the bridge with its guard (spawned ip and iptables).
  const [files, bridge] = await Promise.allSettled([
    network.prepareFiles(log),
    ensureBridge(host.config.bridge, network.gateway, network.prefix),
  ]);
  if (files.status === 'rejected') throw files.reason;
  if (bridge.status === 'rejected') throw bridge.reason;
  for (const change of files.value)
    log.info('raised a host network limit for the subnet (neighbours, backlog)', { change });
}

/** Builds the provider on the host's clients: reconcile, then follow task exits until stop(). */
export async function createProvider(
  host: Host,
  log: Logger,
  o: Pick<ProviderOptions, 'recheckIntervalMs' | 'readyTimeoutMs'> & {
    /** prepareHostNetwork has run (the daemon's core may be attaching beside this provider now). */
    networkReady?: boolean;
  } = {},
): Promise<Provider> {
  const cfg = host.config;
  const ctd = host.containerd.inNamespace(cfg.functionNamespace);
  const network = host.network;
  const laps = new Laps();
  if (!o.networkReady) await prepareHostNetwork(host, log);
  const network_ms = laps.next();
  const logDir = functionLogDir(cfg);
  // No function lives in these (the core services' namespace and containerd's default).
  const reserved = [cfg.namespace, 'default'];
  const namespaces = new NamespaceService(ctd, cfg.functionNamespace, reserved);
  await namespaces.ensureDefault();
  const secrets = new SecretStore(functionSecretsDir(cfg));
  // Only a ready serving container is an address to cache; the rest goes through functions.endpoint.
  const resolver = new Resolver((ns, name) => functions.readyAddresses(ns, name));
  const functions: FunctionService = new FunctionService({
    containerd: ctd,
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
  const prepare_ms = laps.next();
  // Read on from the log FIFOs of functions that ran on while no provider did, before reconcile
  // removes or starts anything. Run beside reconcile's reads instead (tried for issue #16), its
  // thousand FIFO opens and reconcile slowed each other: at N = 1,000 the provider's start took 7.4 s
  // (logs 6.6 s, reconcile's network step 2.2 s) against ~1.5 s one after the other.
  await host.functionRuntime.resumeLogs();
  const logs_ms = laps.next();
  const reconciled = await functions.reconcile();
  log.info('provider started', { network_ms, prepare_ms, logs_ms, reconcile_ms: laps.next() });
  // The pool's background work (a stale entry's DEL, a refill's ADD: plugin processes that walk every
  // address) waits until the adopted replicas answered their first probe: on 2 cores it competed with
  // the probes and first invocations after a restart (issue #16). A deploy before then attaches alone.
  let stopped = false;
  void reconciled.adoptedReady.then(() => {
    if (!stopped) network.pool.start({ size: cfg.netnsPool, log }); // network/netns-pool.ts
  });
  const scaleMetrics = new ScaleMetrics();
  const handler = createProviderHandler({
    logDir,
    functions,
    namespaces,
    secrets,
    credentials: await loadCredentials(coreSecretsDir(cfg)),
    resolver,
    log,
    functionMaxConnections: cfg.functionMaxConnections,
    scaleMetrics,
  });
  // The one keep-alive (#13 item 6): the watcher reports a dead replica, Liveness restarts it.
  const watcher = new TaskWatcher({
    events: ctd.events,
    // Function namespaces come and go through the API: follow every namespace but the reserved ones.
    namespaces: (ns) => ns === cfg.functionNamespace || !reserved.includes(ns),
    recheck: () => functions.live.notRunning(),
    onDead: (dead, signal) => functions.live.onDead(dead, signal),
    // Replicas may have moved while containerd was away; the watcher re-checks when it is back.
    onLost: () => resolver.clear(),
    log,
    recheckIntervalMs: o.recheckIntervalMs ?? 5_000,
  });
  watcher.start();
  const annotations = new FunctionAnnotationsReader(functions.host);
  const ctl = new AbortController();
  const scaling = runAutoscaler(
    { functions, load: resolver.load, log, metrics: scaleMetrics },
    cfg.autoscaleIntervalMs,
    ctl.signal,
  );
  return {
    functions,
    namespaces,
    handler,
    resolver,
    annotations: async () => annotations.read(await namespaces.list()),
    async stop() {
      stopped = true;
      ctl.abort();
      handler.close();
      await Promise.all([watcher.stop(), scaling, network.pool.stop()]);
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
