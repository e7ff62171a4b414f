import { setTimeout as delay } from 'node:timers/promises';
import { ConflictError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { replicasFor, type LoadSample, type ScaleTarget } from './policy.js';
import { ScaleMetrics } from './scale-metrics.js';
import { Stabiliser } from './stabiliser.js';

export interface AutoscalerDeps {
  functions: {
    scaleTargets(): Promise<ScaleTarget[]>;
    autoscale(namespace: string, name: string, replicas: number): Promise<void>;
  };
  load: { load(namespace: string, name: string): LoadSample };
  /** A container's CPU time so far in µs (runtime's cpuUsageMicros). */
  cpuMicros: (namespace: string, id: string) => Promise<number | undefined>;
  log: Logger;
  metrics?: ScaleMetrics;
  /** How often to look (default 5 s). */
  intervalMs?: number;
  /** How long the load must stay low before replicas go (default 60 s). */
  stabilisationMs?: number;
  now?: () => number;
}

interface Sample {
  at: number;
  requests: number;
  cpuMicros: number;
}

/**
 * Reads each function's load every interval and moves its replicas (docs/scaling.md): labelled ones
 * to ceil(load / (target × proportion)) within [min, max], up at once, down after the stabilisation
 * window; com.openfaas.scale.zero ones to 0 after zero-duration without an invocation.
 */
export class Autoscaler {
  readonly metrics: ScaleMetrics;
  private readonly stabiliser: Stabiliser;
  private readonly samples = new Map<string, Sample>();
  private readonly now: () => number;

  constructor(private readonly d: AutoscalerDeps) {
    this.metrics = d.metrics ?? new ScaleMetrics();
    this.stabiliser = new Stabiliser(d.stabilisationMs ?? 60_000);
    this.now = d.now ?? Date.now;
  }

  /** Ticks until `signal` aborts; a failed tick is logged and the next one runs. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await delay(this.d.intervalMs ?? 5000, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      await this.tick().catch((err: unknown) =>
        this.d.log.warn('autoscaler: tick failed', { error: errorMessage(err) }),
      );
    }
  }

  /** One look at every function. */
  async tick(): Promise<void> {
    const targets = await this.d.functions.scaleTargets();
    const keys = new Set(targets.map((t) => `${t.name}.${t.namespace}`));
    this.metrics.setReplicas(new Map(targets.map((t) => [`${t.name}.${t.namespace}`, t.replicas])));
    this.stabiliser.keepOnly(
      new Set(targets.filter((t) => t.replicas > 0).map((t) => `${t.name}.${t.namespace}`)),
    );
    for (const k of this.samples.keys()) if (!keys.has(k)) this.samples.delete(k);
    for (const t of targets) await this.one(t);
  }

  private async one(t: ScaleTarget): Promise<void> {
    const fn = `${t.name}.${t.namespace}`;
    const now = this.now();
    const l = this.d.load.load(t.namespace, t.name);
    const cpu = t.policy.type === 'cpu' ? await this.cpuOf(t) : 0;
    const prev = this.samples.get(fn);
    this.samples.set(fn, { at: now, requests: l.requests, cpuMicros: cpu });
    if (t.replicas === 0) return; // at zero: the next invocation wakes it, not the load
    const idleMs = now - l.lastActive;
    if (t.policy.zero && l.inflight === 0 && l.waiting === 0 && idleMs >= t.policy.zeroDurationMs) {
      this.d.log.info('autoscaler: idle; scaling to zero', {
        function: fn,
        idle_ms: idleMs,
        zero_duration_ms: t.policy.zeroDurationMs,
        from: t.replicas,
        to: 0,
      });
      return this.apply(t, 0, 'zero');
    }
    if (!t.policy.autoscale || !prev) return;
    const secs = Math.max(0.001, (now - prev.at) / 1000);
    const load =
      t.policy.type === 'capacity'
        ? l.inflight
        : t.policy.type === 'rps'
          ? (l.requests - prev.requests) / secs
          : Math.max(0, cpu - prev.cpuMicros) / (secs * 1000); // µs per ms = millicores
    const wanted = replicasFor(load, t.policy);
    const d = this.stabiliser.decide(fn, now, t.replicas, wanted);
    if (d.direction === 'hold') return;
    this.d.log.info('autoscaler: scaling', {
      function: fn,
      type: t.policy.type,
      load: Math.round(load * 100) / 100,
      target: t.policy.target,
      proportion: t.policy.proportion,
      wanted,
      min: t.policy.min,
      max: t.policy.max,
      from: t.replicas,
      to: d.replicas,
    });
    await this.apply(t, d.replicas, d.direction);
  }

  private async cpuOf(t: ScaleTarget): Promise<number> {
    const used = await Promise.all(t.containers.map((id) => this.d.cpuMicros(t.namespace, id)));
    return used.reduce<number>((a, u) => a + (u ?? 0), 0);
  }

  private async apply(t: ScaleTarget, n: number, direction: 'up' | 'down' | 'zero'): Promise<void> {
    const fn = `${t.name}.${t.namespace}`;
    // Counted and shown as desired before the change runs: starting replicas waits for them to be
    // ready, and the function's describe shows them ready before this call returns.
    this.metrics.decided(fn, direction, n);
    try {
      await this.d.functions.autoscale(t.namespace, t.name, n);
    } catch (err) {
      // An API change of the function runs: it wins; the next tick looks again.
      if (err instanceof ConflictError) return;
      this.d.log.warn('autoscaler: scaling failed', { function: fn, to: n, error: errorMessage(err) });
    }
  }
}
