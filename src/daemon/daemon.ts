import type { FaasdConfig } from '../config/index.js';
import { openHost, type Host } from '../host/index.js';
import { createLogger, type Logger } from '../log.js';
import { serverLimitsOf, urlSetting } from '../config/index.js';
import { loadCore, type RunningCore } from '../supervisor/index.js';
import { createProvider, prepareHostNetwork, type Provider } from '../provider/index.js';
import { networkFromConfig } from '../network/index.js';
import { listenAll, loadCredentials } from '../http/index.js';
import { LocalBackend, authSecretsDir, serveGateway } from '../gateway/index.js';
import { startQueueWorker, workerOptionsOf } from '../queue-worker/index.js';
import type { CoreService } from '../ui/index.js';
import { serviceStatuses } from '../supervisor/index.js';
import { gatewayAddresses, providerAddresses } from './addresses.js';
import { StartupMarks } from './startup-marks.js';
import { startupDone } from '../launcher/index.js';

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

/** A core container's address on the bridge (NATS, Prometheus), looked up when needed: a re-create moves it. */
function coreUrl(host: Host, service: string, port: number, scheme: string) {
  return async (): Promise<string | undefined> => {
    const ip = await host.network.address(host.config.namespace, service);
    return ip ? `${scheme}://${ip}:${port}` : undefined;
  };
}

/** The compose services as the portal's System view shows them (faasd service list's source). */
async function coreServices(host: Host, declared: string[]): Promise<CoreService[]> {
  const list = await serviceStatuses({
    ctd: host.containerd,
    namespace: host.config.namespace,
    records: () => host.network.records(),
    declared,
  });
  return list.map((s) => ({
    name: s.name,
    image: s.image,
    state: s.state,
    restarts: s.restarts,
    ...(s.startedAt ? { startedAt: s.startedAt.toISOString() } : {}),
  }));
}

function startGatewayIn(
  host: Host,
  declared: string[],
  provider: Provider,
  natsUrl: Promise<string | undefined>,
  log: Logger,
): Promise<Stoppable> {
  const cfg = host.config;
  return loadCredentials(authSecretsDir(cfg)).then((credentials) =>
    serveGateway({
      backend: new LocalBackend({
        functions: provider.functions,
        namespaces: provider.namespaces,
        provider: provider.handler,
      }),
      credentials,
      natsUrl,
      prometheusUrl: cfg.prometheusUrl
        ? urlSetting(cfg.prometheusUrl, undefined)
        : coreUrl(host, 'prometheus', 9090, 'http'),
      defaultNamespace: cfg.functionNamespace,
      scaleFromZeroTimeoutMs: cfg.scaleFromZeroTimeoutMs,
      listen: gatewayAddresses(cfg.gatewayBind, cfg.gatewayPort, host.network.gateway),
      limits: serverLimitsOf(cfg),
      log,
      cron: { source: { list: () => provider.annotations() }, timeoutMs: cfg.upstreamTimeoutMs },
      services: () => coreServices(host, declared),
      ...(cfg.gatewayDataThread
        ? {
            dataPath: {
              routes: provider.resolver,
              upstreamTimeoutMs: cfg.upstreamTimeoutMs,
              functionPort: 8080,
              functionMaxConnections: cfg.functionMaxConnections,
              stopGraceMs: cfg.stopGraceMs,
            },
          }
        : {}),
    }),
  );
}

async function startWorkerIn(
  host: Host,
  natsUrl: string | undefined,
  log: Logger,
): Promise<Stoppable | undefined> {
  // Through our own gateway on the bridge (scale from zero, metrics), where it always listens on 8080.
  const o = workerOptionsOf(host.config, log, {
    natsUrl: natsUrl ?? '',
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
 *
 * The core containers start beside the provider, and the provider and the gateway answer without
 * waiting for them: /healthz, /system and invocations of running functions need none of them. Async
 * waits for NATS (bounded).
 */
export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const log = createLogger('faasd up');
  const marks = new StartupMarks();
  marks.mark('config');
  const loaded = await loadCore(o.config, { log, ...(o.composeFile ? { composeFile: o.composeFile } : {}) });
  marks.mark('compose');
  const names = new Set(loaded.services.map((s) => s.name));
  const providerLog = createLogger('faasd provider');
  // The host network (files, bridge, iptables guard: spawned ip and iptables) is prepared beside the
  // containerd connection (its .proto files parsed, the socket's readiness): neither needs the other.
  const network = networkFromConfig(o.config);
  const networkReady =
    o.provider === false
      ? undefined
      : prepareHostNetwork({ config: o.config, network }, providerLog).then(() => marks.mark('network'));
  networkReady?.catch(() => undefined); // awaited below, or before the clean-up of a failed connect
  const host = await openHost(o.config, {
    log,
    network,
    ...(o.signal ? { signal: o.signal } : {}),
  }).catch(async (err: unknown) => {
    await networkReady?.catch(() => undefined);
    throw err;
  });
  marks.mark('containerd');
  // Stopped in this order: worker, gateway, provider API, provider, core (NATS last: the others use it).
  const front: Stoppable[] = [];
  let core: RunningCore | undefined;
  let coreStarting: Promise<RunningCore> | undefined;
  // Settled once the core has started, or failed: the gateway's NATS connection waits on it, and so
  // does its clean-up when it cannot listen (a port in use) — left open, that clean-up never ended.
  let coreStarted!: (ok: boolean) => void;
  const coreUp = new Promise<boolean>((resolve) => (coreStarted = resolve));
  const stopAll = async () => {
    for (const r of front.reverse()) await r.stop().catch(() => undefined);
    await core?.stop().catch(() => undefined);
    host.close();
  };
  try {
    if (o.provider === false) {
      core = await loaded.start(host);
      marks.mark('core');
      log.info('stack is up', {
        core: [...names].join(','),
        provider: 'separate',
        ...marks.fields(),
        ...startupDone(),
      });
      return { services: [...names], stop: stopAll };
    }
    await networkReady;
    // The core starts beside the provider's reconcile (issue #16: ~1.5 s of a start at N = 1,000), on
    // the bridge and files prepared above. Neither judges the other's namespace (network reconcile is
    // scoped), and nothing of the provider waits for it: NATS is looked up when first used. (Tried
    // before, it seemed to leave the first functions unreachable at N = 1,000: that was the bridge's
    // broadcasts overflowing the backlog, network/neighbours.ts backlogFor.)
    coreStarting = loaded.start(host).then((c) => {
      core = c;
      marks.mark('core');
      return c;
    });
    coreStarting.catch(() => undefined); // awaited below, or by the clean-up on a provider failure
    const provider = await createProvider(host, providerLog, { networkReady: true });
    front.push(provider);
    marks.mark('provider');
    for (const a of providerAddresses(o.config.providerPort, host.network.gateway)) {
      const api = await listenAll(
        [a.host],
        a.port,
        (req, res) => provider.handler.handle(req, res),
        serverLimitsOf(o.config),
        log,
      );
      front.push({ stop: async () => api.close() });
    }
    const natsUrl = coreUp.then(async (ok) =>
      ok ? urlSetting(o.config.natsUrl, await coreUrl(host, 'nats', 4222, 'nats')()) : undefined,
    );
    const gateway = names.has('gateway') ? 'container' : 'in-process';
    let cache: Record<string, string | boolean> | undefined;
    if (gateway === 'in-process') {
      front.push(await startGatewayIn(host, [...names], provider, natsUrl, createLogger('faasd gateway')));
      marks.mark('listen');
      // The code cache (launcher/) is saved now, not once the core is up: it then holds what a start
      // runs until it answers, not the core's start (a first start packs images), whose functions,
      // deserialised on every start, cost ~4 MB of idle PSS.
      cache = startupDone();
      log.info('gateway is listening', { ...marks.fields(), ...cache });
    }
    try {
      await coreStarting;
    } finally {
      coreStarted(core !== undefined);
    }
    const worker = names.has('queue-worker') ? 'container' : 'in-process';
    if (worker === 'in-process') {
      const w = await startWorkerIn(host, await natsUrl, createLogger('faasd queue-worker'));
      if (w) front.push(w);
    }
    log.info('stack is up', {
      core: [...names].join(','),
      gateway,
      queue_worker: worker,
      ...marks.fields(),
      ...(cache ?? startupDone()),
    });
    return {
      services: [...names],
      async stop() {
        await stopAll();
        log.info('stopped');
      },
    };
  } catch (err) {
    coreStarted(false);
    // A core still starting is stopped once it is up (a failed start removes what it started itself).
    await coreStarting?.catch(() => undefined);
    await stopAll();
    throw err;
  }
}
