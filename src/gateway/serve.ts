import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  POOL_DEFAULTS,
  SERVER_LIMIT_DEFAULTS,
  listenAll,
  loadCredentials,
  type Credentials,
  type ServerLimits,
} from '../http/index.js';
import { coreSecretsDir, serverLimitsOf, urlSetting, type FaasdConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import {
  CronMetrics,
  ProviderFunctionSource,
  loopbackOf,
  startCronTriggers,
  type CronFunctionSource,
} from '../cron/index.js';
import { AsyncQueue } from '../queue/index.js';
import { QueueConnection } from './queue-connection.js';
import type { FunctionBackend } from './backend.js';
import { createGatewayHandler, type GatewayDeps } from './gateway.js';
import { HttpBackend } from './http-backend.js';
import { Scaler } from './scaler.js';
import { ConnectionBalance, balanceCounters } from './connection-balance.js';
import { startDataPath, type DataPathOptions } from './data-path.js';

/** A separate `faasd gateway` (split deployment, or ours in a container). */
export interface GatewayOptions {
  port: number;
  host: string;
  providerUrl: string;
  /** nats://host:port; without it /async-function answers 404. */
  natsUrl: string | undefined;
  prometheusUrl: string | undefined;
  /** Directory with basic-auth-user and basic-auth-password. */
  secretsDir: string;
  defaultNamespace: string;
  upstreamTimeoutMs: number;
  scaleFromZeroTimeoutMs: number;
  /** Bounds of the gateway's own HTTP server (the same settings as the provider's); default SERVER_LIMIT_DEFAULTS. */
  limits?: ServerLimits;
  /** Connections to the provider for one function at once; default POOL_DEFAULTS'. */
  functionMaxConnections?: number;
  /** How often cron triggers re-read the function list (default 5 s). */
  cronRefreshMs?: number;
}

/** A separate gateway's settings from the one configuration (a gateway container: its environment). */
export function gatewayOptionsOf(cfg: FaasdConfig): GatewayOptions {
  return {
    port: cfg.gatewayPort,
    host: cfg.gatewayBind,
    providerUrl: cfg.providerUrl,
    natsUrl: urlSetting(cfg.natsUrl, 'nats://nats:4222'),
    prometheusUrl: urlSetting(cfg.prometheusUrl, 'http://prometheus:9090'),
    secretsDir: cfg.authSecretsDir || '/run/secrets',
    defaultNamespace: cfg.functionNamespace,
    upstreamTimeoutMs: cfg.upstreamTimeoutMs,
    scaleFromZeroTimeoutMs: cfg.scaleFromZeroTimeoutMs,
    limits: serverLimitsOf(cfg),
    functionMaxConnections: cfg.functionMaxConnections,
  };
}

export interface RunningGateway {
  /** The first address's port. */
  port: number;
  stop(): Promise<void>;
}

export interface ServeGatewayOptions {
  backend: FunctionBackend;
  credentials: Credentials;
  /** A promise when NATS is not up yet (the daemon starts its containers after the gateway listens). */
  natsUrl: string | undefined | Promise<string | undefined>;
  prometheusUrl: GatewayDeps['prometheusUrl'];
  defaultNamespace: string;
  scaleFromZeroTimeoutMs: number;
  /** Where to listen: one server per address. */
  listen: { host: string; port: number }[];
  limits: ServerLimits;
  log: Logger;
  /** Cron triggers (#15): the provider API that lists functions; runs go to this gateway on loopback. */
  cron?: { source: CronFunctionSource; timeoutMs: number; refreshMs?: number };
  /** The compose services' state, for the portal (the daemon knows them). */
  services?: GatewayDeps['services'];
  /** A second thread for invocations (data-thread.ts); the daemon's in-process gateway only. */
  dataPath?: DataPathOptions;
}

/** The gateway on any backend: listens first, then connects to NATS in the background. */
export async function serveGateway(o: ServeGatewayOptions): Promise<RunningGateway> {
  const scaler = new Scaler(o.backend, {
    cacheMs: 2000,
    timeoutMs: o.scaleFromZeroTimeoutMs,
    pollMs: 50,
    log: o.log,
  });
  const cronMetrics = new CronMetrics();
  const queue = new QueueConnection({
    url: o.natsUrl,
    connect: (url) => AsyncQueue.connect(url),
    log: o.log,
    waitMs: 10_000,
  });
  const handler = createGatewayHandler({
    backend: o.backend,
    credentials: o.credentials,
    scaler,
    // A URL known to be missing: no queue, and /async-function answers 404 as without NATS.
    queue: o.natsUrl === undefined ? undefined : queue,
    log: o.log,
    defaultNamespace: o.defaultNamespace,
    prometheusUrl: o.prometheusUrl,
    asyncBodyLimit: 8 * 1024 * 1024,
    extraMetrics: () => cronMetrics.render(),
    ...(o.services ? { services: o.services } : {}),
  });
  const servers: { close(): void }[] = [];
  const listening: Server[] = [];
  const ports: number[] = [];
  // With a data-path thread both threads accept on the ports; the balance keeps their shares even.
  const counts = o.dataPath ? balanceCounters() : undefined;
  const balance = counts ? new ConnectionBalance(counts, 0) : undefined;
  const serve = balance
    ? (req: IncomingMessage, res: ServerResponse) => {
        balance.check(req, res);
        handler.handle(req, res);
      }
    : (req: IncomingMessage, res: ServerResponse) => handler.handle(req, res);
  try {
    // Addresses differ in port too (the bind address's port, and the bridge's 8080), so one call each.
    for (const a of o.listen) {
      const http = await listenAll([a.host], a.port, serve, o.limits, o.log);
      servers.push(http);
      listening.push(...http.servers);
      ports.push(...http.ports);
    }
  } catch (err) {
    for (const s of servers) s.close();
    handler.close();
    // Not awaited: in the daemon NATS's address comes only once the core has started, and the core
    // starts after this gateway listens — waiting here hung `faasd up` on a port in use.
    void queue.close().catch(() => undefined);
    throw err;
  }
  // Cron triggers call this gateway on loopback, as cron-connector calls its gateway_url.
  const first = o.listen[0];
  const cron =
    o.cron && first
      ? startCronTriggers({
          source: o.cron.source,
          gatewayUrl: `http://${loopbackOf(first.host)}:${ports[0] ?? first.port}`,
          timeoutMs: o.cron.timeoutMs,
          metrics: cronMetrics,
          log: o.log,
          ...(o.cron.refreshMs ? { refreshMs: o.cron.refreshMs } : {}),
        })
      : undefined;
  const dataThread =
    o.dataPath && counts && balance
      ? await startDataPath(o, o.dataPath, listening, counts, balance, handler, servers)
      : undefined;
  return {
    port: ports[0] ?? 0,
    async stop() {
      cron?.stop();
      // First: the thread stops accepting on its own descriptors and finishes what it has in flight.
      await dataThread?.stop();
      for (const s of servers) s.close();
      handler.close();
      await queue.close();
      o.log.info('stopped');
    },
  };
}

/** `faasd gateway`: the gateway in front of a provider over HTTP. */
export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const log = createLogger('faasd gateway');
  const credentials = await loadCredentials(o.secretsDir);
  const authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  const backend = new HttpBackend({
    url: o.providerUrl,
    authorization,
    upstreamTimeoutMs: o.upstreamTimeoutMs,
    functionMaxConnections: o.functionMaxConnections ?? POOL_DEFAULTS.socketsPerKey,
  });
  log.info('starting', { provider: o.providerUrl, nats: o.natsUrl ?? 'off' });
  return serveGateway({
    backend,
    credentials,
    natsUrl: o.natsUrl,
    prometheusUrl: o.prometheusUrl,
    defaultNamespace: o.defaultNamespace,
    scaleFromZeroTimeoutMs: o.scaleFromZeroTimeoutMs,
    listen: [{ host: o.host, port: o.port }],
    limits: o.limits ?? SERVER_LIMIT_DEFAULTS,
    log,
    cron: {
      source: new ProviderFunctionSource(o.providerUrl.replace(/\/$/, ''), authorization),
      timeoutMs: o.upstreamTimeoutMs,
      ...(o.cronRefreshMs ? { refreshMs: o.cronRefreshMs } : {}),
    },
  });
}

/** The daemon's basic-auth directory: FAASD_SECRETS_DIR, else `<stateDir>/secrets`. */
export function authSecretsDir(cfg: FaasdConfig): string {
  return cfg.authSecretsDir || coreSecretsDir(cfg);
}
