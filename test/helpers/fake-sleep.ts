/**
 * A restart delay that records how long it was asked to wait and returns at once, or, while `hold()`
 * is in force, only when the test calls `release()` (or the signal aborts).
 */
export class FakeSleep {
  readonly waits: number[] = [];
  private held = false;
  private waiting: (() => void)[] = [];

  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    this.waits.push(ms);
    if (!this.held || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  };

  hold(): void {
    this.held = true;
  }

  /** Ends every wait in progress; later ones return at once. */
  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
