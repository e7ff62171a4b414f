/**
 * The default stack, written by `faasd install` to /var/lib/faasd: NATS and Prometheus. The gateway and
 * the queue-worker run inside `faasd up` itself (a compose service named `gateway` or `queue-worker`
 * takes their place: docs/install.md). Images need no registry. `command` is the whole process
 * command line, as in faasd (it replaces the image's entrypoint and cmd).
 */
export const DEFAULT_COMPOSE = `# faasd-ts core stack. Images under faasd.local/ are packed on this host by \`faasd up\`
# (nats-server and prometheus from Debian): no registry is needed. The gateway (port
# FAASD_GATEWAY_PORT, default 8080) and the queue-worker run inside \`faasd up\`; a service named
# gateway or queue-worker here takes its place.
# As in faasd, \`command\` replaces the image's entrypoint and cmd: give the whole command line.
version: "3.7"
services:
  nats:
    image: faasd.local/nats:latest
    command: ["/usr/sbin/nats-server", "-js", "-sd", "/data", "-m", "8222"]
    volumes:
      - ./nats:/data

  prometheus:
    image: faasd.local/prometheus:latest
    volumes:
      - ./prometheus.yml:/etc/prometheus/prometheus.yml:ro
      - ./prometheus:/prometheus
    ports:
      - "127.0.0.1:\${FAASD_PROMETHEUS_PORT:-9090}:9090"
`;

/**
 * A split deployment (`faasd provider` + `faasd up --no-provider`): our gateway and queue-worker as
 * containers running this executable, in front of the provider on the bridge (faasd-provider:8081).
 */
export const SPLIT_COMPOSE = `${DEFAULT_COMPOSE}
  # Split deployment: the gateway and queue-worker in containers, the provider a separate process.
  gateway:
    image: \${FAASD_IMAGE}
    command: ["/usr/bin/faasd", "gateway"]
    environment:
      - FAASD_PROVIDER_URL=http://faasd-provider:8081
      - FAASD_NATS_URL=nats://nats:4222
      - FAASD_PROMETHEUS_URL=http://prometheus:9090
      - FAASD_SECRETS_DIR=/run/secrets
      - FAASD_FUNCTION_NAMESPACE=\${FAASD_FUNCTION_NAMESPACE:-openfaas-fn}
    volumes:
      - ./secrets/basic-auth-user:/run/secrets/basic-auth-user:ro
      - ./secrets/basic-auth-password:/run/secrets/basic-auth-password:ro
    ports:
      - "\${FAASD_GATEWAY_BIND:-0.0.0.0}:\${FAASD_GATEWAY_PORT:-8080}:8080"
    depends_on: [nats, prometheus]

  queue-worker:
    image: \${FAASD_IMAGE}
    command: ["/usr/bin/faasd", "queue-worker"]
    environment:
      - FAASD_NATS_URL=nats://nats:4222
      - FAASD_GATEWAY_URL=http://gateway:8080
      - FAASD_MAX_INFLIGHT=4
      - FAASD_ACK_WAIT_MS=30000
    depends_on: [nats, gateway]
`;

/**
 * sha256 of DEFAULT_COMPOSE as older versions wrote it (`command` appended to the entrypoint; the
 * gateway and queue-worker as containers): `faasd up` replaces such a file, unedited, with today's
 * (upgradeDefaultCompose).
 */
export const OLDER_DEFAULT_COMPOSE_SHA256: ReadonlySet<string> = new Set([
  '23ae4e8b037adc43679750c60a302a54cc5c0816623c5f543656cdce3a137279',
  '39abdd5446cb78ad9d594b1d6a5471f613bbd88566ac1bdda7db354c6b188af0',
  // The gateway and queue-worker as containers, before they ran inside `faasd up`.
  '2905e3ae0d955db84d8be5619e5749b684791bb2beec87771d670b35a297828a',
]);

export const PROMETHEUS_YML = `global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: gateway
    static_configs:
      - targets: ["gateway:8080"]
  - job_name: provider
    static_configs:
      - targets: ["faasd-provider:8081"]
`;

/** `Environment=` lines for a unit; values are written as systemd reads them (no quoting needed for ours). */
function environment(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `Environment=${k}=${v}\n`)
    .join('');
}

function unit(
  description: string,
  after: string,
  exec: string,
  workDir: string,
  env: Record<string, string>,
): string {
  return `[Unit]
Description=${description}
After=${after}
Requires=containerd.service

[Service]
${environment(env)}ExecStart=${exec}
WorkingDirectory=${workDir}
Restart=on-failure
RestartSec=2
KillMode=mixed
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target
`;
}

/** The unit older versions installed beside faasd.service: install disables and removes it. */
export const OLD_PROVIDER_UNIT = 'faasd-provider.service';

export function faasdUnit(faasd: string, env: Record<string, string> = {}): string {
  return unit(
    'faasd-ts (provider, gateway, queue-worker; NATS and Prometheus as containers)',
    'network.target containerd.service',
    `${faasd} up`,
    '/var/lib/faasd',
    env,
  );
}
