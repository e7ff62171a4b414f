import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Healthcheck } from './compose-health.js';
import type { ProbeRunner } from './exec-probe.js';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

interface Waiter {
  resolve(): void;
  reject(reason: Error): void;
}

/**
 * One service's `healthcheck:`, run as docker runs it: a probe every interval (every start_interval
 * during the start period), one at a time, each bounded by the timeout. Failures in the start period
 * do not count until the service has been healthy once; `retries` failures in a row make it unhealthy.
 * A probe that succeeds makes it healthy again. Being unhealthy restarts nothing (as in docker).
 */
export class ServiceHealth {
  private current: HealthStatus = 'starting';
  private lastFailure = '';
  private ctl: AbortController | undefined;
  private waiters: Waiter[] = [];

  constructor(
    readonly service: string,
    readonly check: Healthcheck,
    private readonly runner: ProbeRunner,
    private readonly log: Logger,
  ) {}

  get status(): HealthStatus {
    return this.current;
  }

  /** The service's task (re)started: probing starts again from `starting`. */
  begin(): void {
    this.ctl?.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    this.current = 'starting';
    void this.loop(ctl.signal);
  }

  /** No more probes (the service stopped for good, or faasd up is stopping); waiters are told. */
  end(reason: string): void {
    this.ctl?.abort();
    this.settle(new Error(reason));
  }

  /** Resolves once the service is healthy; rejects when it becomes unhealthy or its checks end. */
  waitHealthy(): Promise<void> {
    if (this.current === 'healthy') return Promise.resolve();
    if (this.current === 'unhealthy') return Promise.reject(this.unhealthyError());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private unhealthyError(): Error {
    return new Error(
      `unhealthy after ${this.check.retries} failed health checks (last: ${this.lastFailure})`,
    );
  }

  private settle(err?: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters)
      if (err) w.reject(err);
      else w.resolve();
  }

  private set(status: HealthStatus, failures: number): void {
    if (status === this.current) return;
    this.current = status;
    if (status === 'healthy') {
      this.log.info('service healthy', { service: this.service });
      this.settle();
    } else if (status === 'unhealthy') {
      this.log.warn('service unhealthy', { service: this.service, failures, last: this.lastFailure });
      this.settle(this.unhealthyError());
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let failures = 0;
    let everHealthy = false;
    const { intervalMs, startIntervalMs, startPeriodMs, timeoutMs, retries, test } = this.check;
    while (!signal.aborted) {
      const inStartPeriod = !everHealthy && Date.now() - started < startPeriodMs;
      await delay(inStartPeriod ? startIntervalMs : intervalMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      let failure: string | undefined;
      try {
        const status = await this.runner.run(this.service, test, timeoutMs);
        if (status === -1) failure = `timed out after ${timeoutMs} ms`;
        else if (status !== 0) failure = `exit status ${status}`;
      } catch (err) {
        failure = errorMessage(err);
      }
      if (signal.aborted) return;
      if (failure === undefined) {
        failures = 0;
        everHealthy = true;
        this.set('healthy', 0);
        continue;
      }
      this.lastFailure = failure;
      // docker: a failure in the start period does not count, unless the service was healthy already.
      if (!everHealthy && Date.now() - started < startPeriodMs) continue;
      failures++;
      if (failures >= retries) this.set('unhealthy', failures);
    }
  }
}
