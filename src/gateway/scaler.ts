import { setTimeout as delay } from 'node:timers/promises';
import { FaasdError } from '../errors.js';
import type { FunctionBackend } from './backend.js';

export class ScaleTimeoutError extends FaasdError {
  constructor(
    readonly fn: string,
    readonly timeoutMs: number,
  ) {
    super('unavailable', `function ${fn} did not become ready within ${timeoutMs} ms`);
  }
}

/**
 * Scale from zero: before an invocation, a function known to be ready passes at once (cached for a few
 * seconds); otherwise the provider is asked, a function at 0 replicas is scaled to 1, and the call waits
 * (bounded) until it has an available replica.
 */
export class Scaler {
  private readonly readyUntil = new Map<string, number>();
  /** Checks under way: callers that find the cache expired at once share one describe (single flight). */
  private readonly checking = new Map<string, Promise<void>>();

  constructor(
    private readonly provider: Pick<FunctionBackend, 'describe' | 'scale'>,
    private readonly opts: { cacheMs: number; timeoutMs: number; pollMs: number },
  ) {}

  invalidate(name: string, namespace?: string): void {
    if (namespace) this.readyUntil.delete(`${namespace}/${name}`);
    else for (const k of this.readyUntil.keys()) if (k.endsWith(`/${name}`)) this.readyUntil.delete(k);
  }

  /** Known ready (checked in the last few seconds): the invoke hot path skips ensureReady and its promise. */
  isReady(name: string, namespace: string): boolean {
    return (this.readyUntil.get(`${namespace}/${name}`) ?? 0) > Date.now();
  }

  async ensureReady(name: string, namespace: string): Promise<void> {
    if (this.isReady(name, namespace)) return;
    // Every connection of a busy function finds the cache expired in the same moment: one describe (a
    // containerd round trip) for all of them, not one each.
    const key = `${namespace}/${name}`;
    const running = this.checking.get(key);
    if (running) return running;
    const check = this.check(name, namespace, key).finally(() => this.checking.delete(key));
    this.checking.set(key, check);
    return check;
  }

  private async check(name: string, namespace: string, key: string): Promise<void> {
    let status = await this.provider.describe(name, namespace);
    if (status.availableReplicas < 1) {
      if (status.replicas < 1) await this.provider.scale(name, namespace, 1);
      const deadline = Date.now() + this.opts.timeoutMs;
      while (status.availableReplicas < 1) {
        if (Date.now() > deadline) throw new ScaleTimeoutError(name, this.opts.timeoutMs);
        await delay(this.opts.pollMs);
        status = await this.provider.describe(name, namespace);
      }
    }
    this.readyUntil.set(key, Date.now() + this.opts.cacheMs);
  }
}
