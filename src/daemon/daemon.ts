import type { FaasdConfig } from '../config/index.js';
import { openHost, type Host } from '../host/index.js';
import { createLogger, type Logger } from '../log.js';
import { serverLimitsOf, urlSetting } from '../config/index.js';
import { startCore, type RunningCore } from '../supervisor/index.js';
import { createProvider, listenAll, loadCredentials, type Provider } from '../provider/index.js';
import { LocalBackend, authSecretsDir, serveGateway } from '../gateway/index.js';
import { startQueueWorker, workerOptionsOf } from '../queue-worker/index.js';
import { gatewayAddresses, providerAddresses } from './addresses.js';

export interface DaemonOptions {
  config: FaasdConfig;
  composeFile?: string;
  /** false: core only, for a split deployment with a separate `faasd provider` (default true). */
  provider?: boolean;
  /** Aborts the wait for containerd (a signal during start-up). */
  signal?: AbortSignal;
}

export interface RunningDaemon {
  /** Core services that run in containers; `gateway`/`queue-worker` among them replace ours. */
  services: string[];
  stop(): Promise<void>;
}

type Stoppable = { stop(): Promise<void> };

/** A core container's address on the bridge (NATS, Prometheus), looked up when needed: a restart may move it. */
function coreUrl(host: Host, service: string, port: number, scheme: string) {
  return async (): Promise<string | undefined> => {
    const ip = await host.network.address(host.config.namespace, service);
    return ip ? `${scheme}://${ip}:${port}` : undefined;
  };
}

async function startGatewayIn(host: Host, provider: Provider, log: Logger): Promise<Stoppable> {
  const cfg = host.config;
  const natsUrl = urlSetting(cfg.natsUrl, await coreUrl(host, 'nats', 4222, 'nats')());
  const prometheus = cfg.prometheusUrl
    ? urlSetting(cfg.prometheusUrl, undefined)
    : coreUrl(host, 'prometheus', 9090, 'http');
  return serveGateway({
    backend: new LocalBackend({
      functions: provider.functions,
      namespaces: provider.namespaces,
      provider: provider.handler,
    }),
    credentials: await loadCredentials(authSecretsDir(cfg)),
    natsUrl,
    prometheusUrl: prometheus,
    defaultNamespace: cfg.functionNamespace,
    scaleFromZeroTimeoutMs: cfg.scaleFromZeroTimeoutMs,
    listen: gatewayAddresses(cfg.gatewayBind, cfg.gatewayPort, host.network.gateway),
    limits: serverLimitsOf(cfg),
    log,
  });
}

async function startWorkerIn(host: Host, log: Logger): Promise<Stoppable | undefined> {
  const nats = await coreUrl(host, 'nats', 4222, 'nats')();
  // Through our own gateway on the bridge (scale from zero, metrics), where it always listens on 8080.
  const o = workerOptionsOf(host.config, log, {
    natsUrl: nats ?? '',
    invokeUrl: `http://${host.network.gateway}:8080`,
  });
  if (!o) {
    log.warn('no NATS (no nats service and no FAASD_NATS_URL): async invocations are off');
    return undefined;
  }
  return startQueueWorker(o);
}

/**
 * `faasd up`: the one daemon. The compose core (NATS, Prometheus, what a user adds) as containers,
 * and in this process the provider, the gateway and the queue-worker — unless the compose file runs
 * a `gateway` or `queue-worker` of its own (the upstream OpenFaaS ones, or ours in containers).
 */
export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const log = createLogger('faasd up');
  const host = await openHost(o.config, { log, ...(o.signal ? { signal: o.signal } : {}) });
  const running: Stoppable[] = [];
  const stopAll = async () => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    host.close();
  };
  try {
    const core: RunningCore = await startCore(host, {
      log,
      ...(o.composeFile ? { composeFile: o.composeFile } : {}),
    });
    running.push(core);
    const names = new Set(core.services.map((s) => s.name));
    if (o.provider === false) {
      log.info('stack is up', { core: [...names].join(','), provider: 'separate' });
      return { services: [...names], stop: stopAll };
    }
    const provider = await createProvider(host, createLogger('faasd provider'));
    running.push(provider);
    for (const a of providerAddresses(o.config.providerPort, host.network.gateway)) {
      const api = await listenAll(
        [a.host],
        a.port,
        (req, res) => provider.handler.handle(req, res),
        serverLimitsOf(o.config),
        log,
      );
      running.push({ stop: async () => api.close() });
    }
    const gateway = names.has('gateway') ? 'container' : 'in-process';
    if (gateway === 'in-process')
      running.push(await startGatewayIn(host, provider, createLogger('faasd gateway')));
    const worker = names.has('queue-worker') ? 'container' : 'in-process';
    if (worker === 'in-process') {
      const w = await startWorkerIn(host, createLogger('faasd queue-worker'));
      if (w) running.push(w);
    }
    log.info('stack is up', { core: [...names].join(','), gateway, queue_worker: worker });
    return {
      services: [...names],
      async stop() {
        await stopAll();
        log.info('stopped');
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
