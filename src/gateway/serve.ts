import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLimitedServer,
  POOL_DEFAULTS,
  SERVER_LIMIT_DEFAULTS,
  type ServerLimits,
} from '../http/index.js';
import { createLogger } from '../log.js';
import { errorMessage } from '../errors.js';
import { loadCredentials } from '../provider/index.js';
import { AsyncQueue } from '../queue-worker/index.js';
import { CronMetrics, loopbackOf, startCronTriggers } from '../cron/index.js';
import { createGatewayHandler } from './gateway.js';
import { ProviderClient } from './provider-client.js';
import { Scaler } from './scaler.js';

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

export const GATEWAY_DEFAULTS: GatewayOptions = {
  port: 8080,
  host: '0.0.0.0',
  providerUrl: 'http://faasd-provider:8081',
  natsUrl: 'nats://nats:4222',
  prometheusUrl: 'http://prometheus:9090',
  secretsDir: '/run/secrets',
  defaultNamespace: 'openfaas-fn',
  upstreamTimeoutMs: 60_000,
  scaleFromZeroTimeoutMs: 30_000,
  limits: SERVER_LIMIT_DEFAULTS,
  functionMaxConnections: POOL_DEFAULTS.socketsPerKey,
};

export interface RunningGateway {
  port: number;
  stop(): Promise<void>;
}

/** Connects to NATS with retries (it may start after us): bounded in time, then async is off until restart. */
async function connectQueue(
  url: string,
  log: ReturnType<typeof createLogger>,
): Promise<AsyncQueue | undefined> {
  const deadline = Date.now() + 30_000;
  for (let wait = 100; Date.now() < deadline; wait = Math.min(wait * 2, 2000)) {
    try {
      return await AsyncQueue.connect(url);
    } catch (err) {
      log.warn('NATS not reachable yet', { url, error: errorMessage(err), retry_ms: wait });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  log.error('NATS unreachable; async invocations are disabled', { url });
  return undefined;
}

export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const log = createLogger('faasd gateway');
  const credentials = await loadCredentials(o.secretsDir);
  const provider = new URL(o.providerUrl);
  const authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  const client = new ProviderClient(o.providerUrl.replace(/\/$/, ''), authorization);
  const scaler = new Scaler(client, { cacheMs: 2000, timeoutMs: o.scaleFromZeroTimeoutMs, pollMs: 50 });
  const queue = o.natsUrl ? await connectQueue(o.natsUrl, log) : undefined;
  const cronMetrics = new CronMetrics();
  const handler = createGatewayHandler({
    providerHost: provider.hostname,
    providerPort: Number(provider.port || 80),
    credentials,
    scaler,
    queue,
    log,
    defaultNamespace: o.defaultNamespace,
    prometheusUrl: o.prometheusUrl,
    upstreamTimeoutMs: o.upstreamTimeoutMs,
    asyncBodyLimit: 8 * 1024 * 1024,
    functionMaxConnections: o.functionMaxConnections ?? POOL_DEFAULTS.socketsPerKey,
    extraMetrics: () => cronMetrics.render(),
  });
  const server: Server = createLimitedServer(
    (req, res) => handler.handle(req, res),
    o.limits ?? SERVER_LIMIT_DEFAULTS,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info('listening', { address: `${o.host}:${port}`, provider: o.providerUrl, nats: o.natsUrl ?? 'off' });
  // Cron triggers (#15) call this gateway on loopback, as cron-connector calls its gateway_url.
  const cron = await startCronTriggers({
    providerUrl: client.baseUrl,
    authorization,
    gatewayUrl: `http://${loopbackOf(o.host)}:${port}`,
    timeoutMs: o.upstreamTimeoutMs,
    metrics: cronMetrics,
    log,
    ...(o.cronRefreshMs ? { refreshMs: o.cronRefreshMs } : {}),
  });
  return {
    port,
    async stop() {
      cron.stop();
      handler.close();
      server.closeAllConnections();
      server.close();
      await queue?.close();
    },
  };
}
