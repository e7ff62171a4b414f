import { POOL_DEFAULTS } from '../http/pool.js';
import { SERVER_LIMIT_DEFAULTS, type ServerLimits } from '../http/limits.js';

/**
 * V8 flags for every long-running faasd process (provider, up, gateway, queue-worker): a 4 MB cap on
 * each half of the young generation instead of 16 MB. Measured with the provider under 8-connection
 * invoke load: the same throughput (~18k req/s) and 91 MB RSS after the load instead of 116 MB (V8
 * keeps the grown young generation). 1 MB cost 20% of the throughput. Applied by the systemd units, the
 * self image's entrypoint and the single-file executable's execArgv.
 */
export const NODE_DAEMON_FLAGS = ['--max-semi-space-size=4'];

/** Every setting faasd reads, with its default; precedence: flag > env > file > default. */
export interface FaasdConfig {
  /** containerd's socket. */
  address: string;
  /** containerd namespace of the core services. */
  namespace: string;
  /** containerd namespace functions go to by default. */
  functionNamespace: string;
  /** /var/lib/faasd: compose file, secrets, hosts, resolv.conf, logs. */
  stateDir: string;
  /** /var/lib/faasd-provider: function secrets and the provider's own files. */
  providerDir: string;
  bridge: string;
  subnet: string;
  cniBinDirs: string[];
  cniConfDir: string;
  /** Plain-HTTP registries besides loopback. */
  insecureRegistries: string[];
  dockerConfig: string;
  /** HTTP servers (provider, gateway): src/http/limits.ts says what each bounds. */
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  /** 0: half of what the file-descriptor limit leaves. */
  httpMaxConnections: number;
  /** Connections the provider and the gateway open to one function at once. */
  functionMaxConnections: number;
  /** Nameservers for containers' resolv.conf (IP addresses); empty: the host's (#15). */
  dns: string[];
  /** How often the autoscaler looks at functions' load (docs/scaling.md); scale down waits 12 of these. */
  autoscaleIntervalMs: number;
  /** How long a stopped container gets between SIGTERM and SIGKILL. */
  stopGraceMs: number;
  /** The provider API's port (127.0.0.1 and the bridge gateway). */
  providerPort: number;
  /** Where the gateway listens (where the gateway container's port used to be published). */
  gatewayBind: string;
  gatewayPort: number;
  /** A separate `faasd gateway`'s provider. */
  providerUrl: string;
  /**
   * NATS, Prometheus and the gateway as the gateway and queue-worker reach them. Empty: the daemon
   * uses the `nats`/`prometheus` containers' addresses and its own gateway; a separate process uses
   * the compose names (nats:4222, prometheus:9090, gateway:8080). `off`: no async / no invocationCount.
   */
  natsUrl: string;
  prometheusUrl: string;
  gatewayUrl: string;
  /** Directory with basic-auth-user and basic-auth-password; empty: `<stateDir>/secrets`. */
  authSecretsDir: string;
  upstreamTimeoutMs: number;
  scaleFromZeroTimeoutMs: number;
  /** The queue-worker: invocations at once, JetStream's ack wait, attempts before the dead letter. */
  maxInflight: number;
  ackWaitMs: number;
  maxAttempts: number;
  /** Hosts (host or host:port) async callbacks may go to; empty = any, as upstream. */
  callbackHosts: string[];
  /** Network namespaces kept attached for the next function deploys (network/netns-pool.ts); 0 = none, at most 8. */
  netnsPool: number;
  /**
   * Run each runc shim in a mount namespace of its own (runtime/shim-wrapper.ts), so containers'
   * rootfs mounts stay out of the host's mount table; false: containerd's `io.containerd.runc.v2`.
   */
  shimMountNamespace: boolean;
  /**
   * A second thread in the daemon's gateway for invocations of ready functions (gateway/data-thread.ts,
   * issue #12: the one thread was the limit); false: the main thread serves everything.
   */
  gatewayDataThread: boolean;
}

export const DEFAULTS: FaasdConfig = {
  address: '/run/containerd/containerd.sock',
  namespace: 'openfaas',
  functionNamespace: 'openfaas-fn',
  stateDir: '/var/lib/faasd',
  providerDir: '/var/lib/faasd-provider',
  bridge: 'openfaas0',
  subnet: '10.62.0.0/16',
  cniBinDirs: ['/opt/cni/bin', '/usr/lib/cni', '/usr/libexec/cni'],
  cniConfDir: '/etc/cni/net.d',
  insecureRegistries: [],
  dockerConfig: '/var/lib/faasd/.docker/config.json',
  httpHeadersTimeoutMs: SERVER_LIMIT_DEFAULTS.headersTimeoutMs,
  httpRequestTimeoutMs: SERVER_LIMIT_DEFAULTS.requestTimeoutMs,
  httpKeepAliveTimeoutMs: SERVER_LIMIT_DEFAULTS.keepAliveTimeoutMs,
  httpMaxConnections: SERVER_LIMIT_DEFAULTS.maxConnections,
  functionMaxConnections: POOL_DEFAULTS.socketsPerKey,
  dns: [],
  autoscaleIntervalMs: 5000,
  stopGraceMs: 5000,
  providerPort: 8081,
  gatewayBind: '0.0.0.0',
  gatewayPort: 8080,
  providerUrl: 'http://faasd-provider:8081',
  natsUrl: '',
  prometheusUrl: '',
  gatewayUrl: '',
  authSecretsDir: '',
  upstreamTimeoutMs: 60_000,
  scaleFromZeroTimeoutMs: 30_000,
  maxInflight: 4,
  ackWaitMs: 30_000,
  maxAttempts: 5,
  callbackHosts: [],
  netnsPool: 2,
  shimMountNamespace: true,
  gatewayDataThread: true,
};

/** Environment variables that set a field (the first one set wins). */
export const ENV: { [K in keyof FaasdConfig]?: string[] } = {
  address: ['FAASD_CONTAINERD_ADDRESS', 'CONTAINERD_ADDRESS'],
  namespace: ['FAASD_NAMESPACE'],
  functionNamespace: ['FAASD_FUNCTION_NAMESPACE'],
  stateDir: ['FAASD_STATE_DIR'],
  providerDir: ['FAASD_PROVIDER_DIR'],
  bridge: ['FAASD_BRIDGE'],
  subnet: ['FAASD_SUBNET'],
  cniBinDirs: ['FAASD_CNI_PATH', 'CNI_PATH'],
  cniConfDir: ['FAASD_CNI_CONF_DIR'],
  insecureRegistries: ['FAASD_INSECURE_REGISTRIES'],
  dockerConfig: ['FAASD_DOCKER_CONFIG'],
  httpHeadersTimeoutMs: ['FAASD_HTTP_HEADERS_TIMEOUT_MS'],
  httpRequestTimeoutMs: ['FAASD_HTTP_REQUEST_TIMEOUT_MS'],
  httpKeepAliveTimeoutMs: ['FAASD_HTTP_KEEPALIVE_TIMEOUT_MS'],
  httpMaxConnections: ['FAASD_HTTP_MAX_CONNECTIONS'],
  functionMaxConnections: ['FAASD_FUNCTION_MAX_CONNECTIONS'],
  dns: ['FAASD_DNS'],
  autoscaleIntervalMs: ['FAASD_AUTOSCALE_INTERVAL_MS'],
  stopGraceMs: ['FAASD_STOP_GRACE_MS'],
  providerPort: ['FAASD_PROVIDER_PORT'],
  // FAASD_GATEWAY_HOST: the name a gateway container was given before the daemon ran it.
  gatewayBind: ['FAASD_GATEWAY_BIND', 'FAASD_GATEWAY_HOST'],
  gatewayPort: ['FAASD_GATEWAY_PORT'],
  providerUrl: ['FAASD_PROVIDER_URL'],
  natsUrl: ['FAASD_NATS_URL'],
  prometheusUrl: ['FAASD_PROMETHEUS_URL'],
  gatewayUrl: ['FAASD_GATEWAY_URL'],
  authSecretsDir: ['FAASD_SECRETS_DIR'],
  upstreamTimeoutMs: ['FAASD_UPSTREAM_TIMEOUT_MS'],
  scaleFromZeroTimeoutMs: ['FAASD_SCALE_FROM_ZERO_TIMEOUT_MS'],
  maxInflight: ['FAASD_MAX_INFLIGHT'],
  ackWaitMs: ['FAASD_ACK_WAIT_MS'],
  maxAttempts: ['FAASD_MAX_ATTEMPTS'],
  callbackHosts: ['FAASD_CALLBACK_HOSTS'],
  netnsPool: ['FAASD_NETNS_POOL'],
  shimMountNamespace: ['FAASD_SHIM_MOUNT_NS'],
  gatewayDataThread: ['FAASD_GATEWAY_DATA_THREAD'],
};

export const LIST_FIELDS = new Set<keyof FaasdConfig>([
  'cniBinDirs',
  'insecureRegistries',
  'dns',
  'callbackHosts',
]);

export const NUMBER_FIELDS = new Set<keyof FaasdConfig>([
  'httpHeadersTimeoutMs',
  'httpRequestTimeoutMs',
  'httpKeepAliveTimeoutMs',
  'httpMaxConnections',
  'functionMaxConnections',
  'autoscaleIntervalMs',
  'stopGraceMs',
  'providerPort',
  'gatewayPort',
  'upstreamTimeoutMs',
  'scaleFromZeroTimeoutMs',
  'maxInflight',
  'ackWaitMs',
  'maxAttempts',
  'netnsPool',
]);

/** On/off settings: `true`/`false` in the file; true|false|1|0|on|off in the environment. */
export const BOOLEAN_FIELDS = new Set<keyof FaasdConfig>(['shimMountNamespace', 'gatewayDataThread']);

/** Settings that must be at least 1 (a bound of 0 would stop all work). */
export const AT_LEAST_ONE = new Set<keyof FaasdConfig>([
  'functionMaxConnections',
  'maxInflight',
  'maxAttempts',
  'autoscaleIntervalMs',
]);

/** Settings with an upper bound: each pooled netns holds an address and a bridge port while unused. */
export const AT_MOST: { [K in keyof FaasdConfig]?: number } = { netnsPool: 8 };

/** The HTTP server bounds a configuration sets, as createLimitedServer takes them. */
export function serverLimitsOf(cfg: FaasdConfig): ServerLimits {
  return {
    headersTimeoutMs: cfg.httpHeadersTimeoutMs,
    requestTimeoutMs: cfg.httpRequestTimeoutMs,
    keepAliveTimeoutMs: cfg.httpKeepAliveTimeoutMs,
    maxConnections: cfg.httpMaxConnections,
  };
}

/** A URL setting: empty = `fallback`, `off` = none. */
export function urlSetting(value: string, fallback: string | undefined): string | undefined {
  if (value === 'off') return undefined;
  return (value || fallback)?.replace(/\/$/, '');
}
