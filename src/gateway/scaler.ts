import { setTimeout as delay } from 'node:timers/promises';
import { FaasdError } from '../errors.js';
import { ByFunction } from '../by-function.js';
import type { Logger } from '../log.js';
import type { FunctionBackend } from './backend.js';

export class ScaleTimeoutError extends FaasdError {
  constructor(
    readonly fn: string,
    readonly timeoutMs: number,
  ) {
    super('unavailable', `function ${fn} did not become ready within ${timeoutMs} ms`);
  }
}

/** The first re-check after a scale from zero; each next one waits twice as long, up to `pollMs`. */
const FIRST_RECHECK_MS = 5;

export interface ScalerOptions {
  cacheMs: number;
  timeoutMs: number;
  /** The longest wait between two looks at a function that is not ready yet. */
  pollMs: number;
  log?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Scale from zero: before an invocation, a function known to be ready passes at once (cached for a few
 * seconds); otherwise the provider is asked, a function at 0 replicas is scaled to 1, and the call waits
 * (bounded) until it has an available replica. It looks again at once after the scale, then after 5 ms,
 * 10 ms, ... up to pollMs: a compiled function is ready a few ms after its task starts (issue #13's goal
 * is the first 200 within 150 ms, and a fixed 50 ms wait first was a third of it).
 */
export class Scaler {
  /** Ready until (ms), per function: looked up on every invocation. */
  private readonly readyUntil = new ByFunction<number>();
  private readonly sleep: (ms: number) => Promise<void>;
  /** Checks under way: callers that find the cache expired at once share one look (single flight). */
  private readonly checking = new Map<string, Promise<void>>();

  constructor(
    private readonly provider: Pick<FunctionBackend, 'availability' | 'scale'>,
    private readonly opts: ScalerOptions,
  ) {
    this.sleep = opts.sleep ?? ((ms) => delay(ms));
  }

  invalidate(name: string, namespace?: string): void {
    if (namespace) this.readyUntil.delete(namespace, name);
    else this.readyUntil.deleteEverywhere(name);
  }

  /** Known ready (checked in the last few seconds): the invoke hot path skips ensureReady and its promise. */
  isReady(name: string, namespace: string): boolean {
    return (this.readyUntil.get(namespace, name) ?? 0) > Date.now();
  }

  async ensureReady(name: string, namespace: string): Promise<void> {
    if (this.isReady(name, namespace)) return;
    // Every connection of a busy function finds the cache expired in the same moment: one look for all of them, not one each.
    const key = `${namespace}/${name}`;
    const running = this.checking.get(key);
    if (running) return running;
    const check = this.check(name, namespace).finally(() => this.checking.delete(key));
    this.checking.set(key, check);
    return check;
  }

  private async check(name: string, namespace: string): Promise<void> {
    const t0 = performance.now();
    const status = await this.provider.availability(name, namespace);
    if (status.available < 1) {
      const t1 = performance.now();
      const fromZero = status.replicas < 1;
      if (fromZero) await this.provider.scale(name, namespace, 1);
      const t2 = performance.now();
      const polls = await this.waitAvailable(name, namespace);
      // Where a scale from zero spends its time (issue #13): one line with the numbers.
      if (fromZero)
        this.opts.log?.info('scaled from zero', {
          namespace,
          function: name,
          look_ms: Math.round(t1 - t0),
          scale_ms: Math.round(t2 - t1),
          wait_ms: Math.round(performance.now() - t2),
          polls,
        });
    }
    this.readyUntil.set(namespace, name, Date.now() + this.opts.cacheMs);
  }

  /** Looks at once, then at growing intervals, until a replica is available; how many looks it took. */
  private async waitAvailable(name: string, namespace: string): Promise<number> {
    const deadline = Date.now() + this.opts.timeoutMs;
    let gap = Math.min(FIRST_RECHECK_MS, this.opts.pollMs);
    for (let polls = 1; ; polls++) {
      if ((await this.provider.availability(name, namespace)).available >= 1) return polls;
      if (Date.now() > deadline) throw new ScaleTimeoutError(name, this.opts.timeoutMs);
      await this.sleep(gap);
      gap = Math.min(this.opts.pollMs, gap * 2);
    }
  }
}
