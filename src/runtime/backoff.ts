/** What a backoff needs of time; tests give a fake. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface BackoffOptions {
  /** The first delay. */
  baseMs: number;
  /** Delays double per attempt up to this. */
  capMs: number;
  /**
   * A run that lasted this long was a success: the next failure starts again from `baseMs`.
   * Undefined: only `reset()` starts again.
   */
  stableMs?: number | undefined;
  clock?: Clock;
}

/**
 * The one restart backoff (issue #13 item 6): doubling from a base to a cap, back to the base after a
 * stable period. Used for restarts of services and functions and for reconnecting to containerd.
 */
export class Backoff {
  private attempts = 0;
  private runningSince: number | undefined;
  private readonly clock: Clock;

  constructor(private readonly o: BackoffOptions) {
    if (!(o.baseMs > 0) || !(o.capMs >= o.baseMs))
      throw new RangeError(`backoff: need 0 < baseMs <= capMs, got ${o.baseMs} and ${o.capMs}`);
    this.clock = o.clock ?? systemClock;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; each call doubles the next one, up to the cap. */
  next(): number {
    const since = this.runningSince;
    if (since !== undefined && this.o.stableMs !== undefined && this.clock.now() - since >= this.o.stableMs)
      this.attempts = 0;
    this.runningSince = undefined;
    // 2 ** attempts stays finite: once past the cap, the exponent stops growing.
    const wait = Math.min(this.o.capMs, this.o.baseMs * 2 ** Math.min(this.attempts, 52));
    this.attempts++;
    return wait;
  }

  /** The thing started: if it now runs for `stableMs`, the next failure waits only `baseMs`. */
  started(): void {
    this.runningSince = this.clock.now();
  }

  reset(): void {
    this.attempts = 0;
    this.runningSince = undefined;
  }
}
