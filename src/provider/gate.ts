/** One call waiting for a slot, and the key it may be hurried by. */
interface Waiter {
  key: string | undefined;
  admit: () => void;
}

/** At most `max` calls run at once; the rest wait in call order, unless one is hurried to the front. */
export class Gate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly max: number) {}

  /** Runs `fn` once a slot is free. `key` names the call for hurry(). */
  async run<T>(fn: () => Promise<T>, key?: string): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((admit) => this.waiting.push({ key, admit }));
    else this.running++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so `running` never exceeds `max`.
      const next = this.waiting.shift();
      if (next) next.admit();
      else this.running--;
    }
  }

  /**
   * Moves the waiting call named `key` to the front: someone waits on its outcome now (a daemon's
   * restart queues a probe for each of a thousand adopted replicas; the one an invocation waits for
   * should not wait behind the rest, issue #16). False when no such call waits.
   */
  hurry(key: string): boolean {
    const i = this.waiting.findIndex((w) => w.key === key);
    if (i <= 0) return i === 0;
    const [w] = this.waiting.splice(i, 1);
    if (w) this.waiting.unshift(w);
    return true;
  }
}
