import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { CronMetrics } from './metrics.js';
import { cronSettingsOf, nextRun, type CronSettings } from './schedule.js';

/** A deployed function as the scheduler needs to see it. */
export interface CronCandidate {
  name: string;
  namespace: string;
  annotations?: Record<string, string> | undefined;
}

/** Every function in every namespace (the provider's list); the scheduler re-reads it on an interval. */
export interface CronFunctionSource {
  list(): Promise<CronCandidate[]>;
}

/** How a run reaches the function; each answers the HTTP status (202 for a queued call). */
export interface CronInvoker {
  invoke(name: string, namespace: string): Promise<number>;
  enqueue(name: string, namespace: string): Promise<number>;
}

/** Time, so tests can drive the scheduler without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface CronSchedulerOptions {
  source: CronFunctionSource;
  invoker: CronInvoker;
  log: Logger;
  clock?: Clock;
  /** How often the source is read again: updates, deletes and new namespaces apply within it. */
  refreshMs?: number;
  metrics?: CronMetrics;
}

interface Entry {
  name: string;
  namespace: string;
  settings: CronSettings;
  next: number;
  timer: unknown;
  running: boolean;
}

/** A timer never waits longer than this, so clock jumps and setTimeout's 24.8-day limit do not matter. */
const MAX_WAIT_MS = 60_000;

/**
 * Runs functions annotated `topic: cron-function` on their `schedule`, as OpenFaaS's cron-connector
 * does, in whatever process holds it. Work per refresh is one list; per run, one call. A run that is
 * still going when the next is due is skipped (logged), so a slow function cannot pile up calls.
 */
export class CronScheduler {
  readonly metrics: CronMetrics;
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private refreshTimer: unknown;
  private stopped = false;
  private readonly invalid = new Set<string>();

  constructor(private readonly o: CronSchedulerOptions) {
    this.clock = o.clock ?? systemClock;
    this.metrics = o.metrics ?? new CronMetrics();
  }

  /** First read now, then every refreshMs until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    const loop = () => {
      this.refreshTimer = this.clock.setTimeout(() => {
        void this.refresh().finally(() => {
          if (!this.stopped) loop();
        });
      }, this.o.refreshMs ?? 5000);
    };
    if (!this.stopped) loop();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.refreshTimer);
    for (const e of this.entries.values()) this.clock.clearTimeout(e.timer);
    this.entries.clear();
  }

  /** `name.namespace` with its schedule text, for logs, tests and `faasd service list`-style views. */
  scheduled(): { function: string; schedule: string; async: boolean; next: Date }[] {
    return [...this.entries.values()].map((e) => ({
      function: `${e.name}.${e.namespace}`,
      schedule: e.settings.schedule.text,
      async: e.settings.async,
      next: new Date(e.next),
    }));
  }

  /** Reads the source and brings the timers in line: new, changed and removed functions. */
  async refresh(): Promise<void> {
    let list: CronCandidate[];
    try {
      list = await this.o.source.list();
    } catch (err) {
      this.o.log.warn('cron: cannot list functions; keeping the current schedule', {
        error: errorMessage(err),
      });
      return;
    }
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const f of list) {
      const key = `${f.name}.${f.namespace}`;
      let settings: CronSettings | undefined;
      try {
        settings = cronSettingsOf(f.annotations);
      } catch (err) {
        // Deployed before schedules were checked: say so once, not on every refresh.
        if (!this.invalid.has(key))
          this.o.log.warn('cron: bad schedule', { function: key, error: errorMessage(err) });
        this.invalid.add(key);
        continue;
      }
      this.invalid.delete(key);
      if (!settings) continue;
      seen.add(key);
      const old = this.entries.get(key);
      if (
        old &&
        old.settings.schedule.text === settings.schedule.text &&
        old.settings.async === settings.async
      )
        continue;
      if (old) this.clock.clearTimeout(old.timer);
      this.add(key, f, settings);
    }
    for (const [key, e] of this.entries) {
      if (seen.has(key)) continue;
      this.clock.clearTimeout(e.timer);
      this.entries.delete(key);
      this.metrics.forget(key);
      this.o.log.info('cron: unscheduled', { function: key });
    }
    for (const key of this.invalid)
      if (!list.some((f) => `${f.name}.${f.namespace}` === key)) this.invalid.delete(key);
  }

  private add(key: string, f: CronCandidate, settings: CronSettings): void {
    const next = nextRun(settings.schedule, new Date(this.clock.now()));
    if (!next) return;
    const e: Entry = {
      name: f.name,
      namespace: f.namespace,
      settings,
      next: next.getTime(),
      timer: undefined,
      running: false,
    };
    this.entries.set(key, e);
    this.o.log.info('cron: scheduled', {
      function: key,
      schedule: settings.schedule.text,
      mode: settings.async ? 'async' : 'sync',
      next: next.toISOString(),
    });
    this.arm(key, e);
  }

  private arm(key: string, e: Entry): void {
    const wait = Math.max(0, Math.min(e.next - this.clock.now(), MAX_WAIT_MS));
    e.timer = this.clock.setTimeout(() => this.fire(key, e), wait);
  }

  private fire(key: string, e: Entry): void {
    if (this.entries.get(key) !== e) return; // replaced or removed meanwhile
    const now = this.clock.now();
    if (now >= e.next) {
      void this.run(key, e);
      const next = nextRun(e.settings.schedule, new Date(Math.max(now, e.next)));
      if (!next) {
        this.entries.delete(key);
        return;
      }
      e.next = next.getTime();
    }
    this.arm(key, e);
  }

  private async run(key: string, e: Entry): Promise<void> {
    const mode = e.settings.async ? 'async' : 'sync';
    if (e.running) {
      this.o.log.warn('cron: skipped; the previous run is still going', { function: key, mode });
      return;
    }
    e.running = true;
    const started = this.clock.now();
    let code = 'error';
    try {
      const status = e.settings.async
        ? await this.o.invoker.enqueue(e.name, e.namespace)
        : await this.o.invoker.invoke(e.name, e.namespace);
      code = String(status);
      this.o.log.info('cron: invoked', {
        function: key,
        schedule: e.settings.schedule.text,
        mode,
        code,
        duration_ms: this.clock.now() - started,
      });
    } catch (err) {
      this.o.log.error('cron: invocation failed', { function: key, mode, error: errorMessage(err) });
    } finally {
      e.running = false;
      // Counted only while the function is still scheduled: a deleted function leaves no series.
      if (this.entries.has(key)) this.metrics.count(key, code);
    }
  }
}
