import type { CronFunctionSource } from '../../src/cron/index.js';
import type { Clock, CronCandidate, CronInvoker } from '../../src/cron/scheduler.js';

/** A clock that moves only when the test says: timers fire in due order as `advance` passes them. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date) {
    this.t = start.getTime();
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing each due timer at its own time, then lets promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A function list the test edits between refreshes. */
export class FakeFunctionSource implements CronFunctionSource {
  functions: CronCandidate[] = [];
  fail = false;
  list(): Promise<CronCandidate[]> {
    return this.fail
      ? Promise.reject(new Error('provider away'))
      : Promise.resolve(this.functions.map((f) => ({ ...f })));
  }
}

/** Records each call as `sync name.ns` / `async name.ns`; `hold` keeps sync calls open until released. */
export class FakeInvoker implements CronInvoker {
  readonly calls: string[] = [];
  status = 200;
  hold = false;
  private readonly waiting: (() => void)[] = [];

  async invoke(name: string, namespace: string): Promise<number> {
    this.calls.push(`sync ${name}.${namespace}`);
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
    return this.status;
  }

  enqueue(name: string, namespace: string): Promise<number> {
    this.calls.push(`async ${name}.${namespace}`);
    return Promise.resolve(202);
  }

  release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}
