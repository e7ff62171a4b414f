import { InvalidArgumentError } from '../errors.js';
import { resolveConfig, serverLimitsOf } from '../config/index.js';
import { GATEWAY_DEFAULTS, type GatewayOptions } from './serve.js';

function num(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0)
    throw new InvalidArgumentError(key, `${key}=${JSON.stringify(raw)} must be a number`);
  return v;
}

/** Gateway settings from its environment (compose sets them); empty NATS/Prometheus URL = off. */
export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayOptions {
  // The HTTP bounds are read as the provider reads them (FAASD_HTTP_*, FAASD_FUNCTION_MAX_CONNECTIONS).
  const http = resolveConfig({}, env, {});
  const opt = (key: string, fallback: string | undefined) =>
    env[key] === undefined ? fallback : env[key] || undefined;
  return {
    port: num(env, 'FAASD_GATEWAY_PORT', GATEWAY_DEFAULTS.port),
    host: env.FAASD_GATEWAY_HOST ?? GATEWAY_DEFAULTS.host,
    providerUrl: env.FAASD_PROVIDER_URL ?? GATEWAY_DEFAULTS.providerUrl,
    natsUrl: opt('FAASD_NATS_URL', GATEWAY_DEFAULTS.natsUrl),
    prometheusUrl: opt('FAASD_PROMETHEUS_URL', GATEWAY_DEFAULTS.prometheusUrl),
    secretsDir: env.FAASD_SECRETS_DIR ?? GATEWAY_DEFAULTS.secretsDir,
    defaultNamespace: env.FAASD_FUNCTION_NAMESPACE ?? GATEWAY_DEFAULTS.defaultNamespace,
    upstreamTimeoutMs: num(env, 'FAASD_UPSTREAM_TIMEOUT_MS', GATEWAY_DEFAULTS.upstreamTimeoutMs),
    scaleFromZeroTimeoutMs: num(
      env,
      'FAASD_SCALE_FROM_ZERO_TIMEOUT_MS',
      GATEWAY_DEFAULTS.scaleFromZeroTimeoutMs,
    ),
    limits: serverLimitsOf(http),
    functionMaxConnections: http.functionMaxConnections,
  };
}

export { num as envNumber };
