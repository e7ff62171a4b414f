import { envNumber } from '../gateway/index.js';
import type { Logger } from '../log.js';
import { parseCallbackHosts } from './callback.js';
import { WORKER_DEFAULTS, type WorkerOptions } from './worker.js';

export function workerOptionsFromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): WorkerOptions {
  return {
    natsUrl: env.FAASD_NATS_URL || WORKER_DEFAULTS.natsUrl,
    invokeUrl: (env.FAASD_GATEWAY_URL || WORKER_DEFAULTS.invokeUrl).replace(/\/$/, ''),
    maxInflight: envNumber(env, 'FAASD_MAX_INFLIGHT', WORKER_DEFAULTS.maxInflight),
    ackWaitMs: envNumber(env, 'FAASD_ACK_WAIT_MS', WORKER_DEFAULTS.ackWaitMs),
    maxAttempts: envNumber(env, 'FAASD_MAX_ATTEMPTS', WORKER_DEFAULTS.maxAttempts),
    invokeTimeoutMs: envNumber(env, 'FAASD_UPSTREAM_TIMEOUT_MS', WORKER_DEFAULTS.invokeTimeoutMs),
    callbackAllowedHosts: parseCallbackHosts(env.FAASD_CALLBACK_HOSTS),
    log,
  };
}
