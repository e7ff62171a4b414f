import type { Logger } from '../log.js';
import { GatewayInvoker } from './http.js';
import type { CronMetrics } from './metrics.js';
import { CronScheduler, type CronFunctionSource } from './scheduler.js';

export interface CronTriggerOptions {
  /** Lists every function with its annotations: the provider's API, or its services in the daemon. */
  source: CronFunctionSource;
  /** Where runs are sent: the gateway's /function and /async-function. */
  gatewayUrl: string;
  timeoutMs: number;
  metrics: CronMetrics;
  log: Logger;
  refreshMs?: number;
}

/** The scheduler, invoking through whichever daemon holds the gateway routes; a failed first list is retried. */
export function startCronTriggers(o: CronTriggerOptions): CronScheduler {
  const cron = new CronScheduler({
    source: o.source,
    invoker: new GatewayInvoker(o.gatewayUrl, o.timeoutMs),
    log: o.log,
    metrics: o.metrics,
    ...(o.refreshMs ? { refreshMs: o.refreshMs } : {}),
  });
  // The first read of every function's annotations runs in the background (it never throws: a failed
  // list is logged and kept for the next refresh): at 1,000 functions `faasd up` waited on it (#16).
  void cron.start();
  return cron;
}

/** The address to reach a server on from the same host: loopback for a wildcard listen address. */
export function loopbackOf(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
