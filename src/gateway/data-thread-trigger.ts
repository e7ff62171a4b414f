/** When the data-path thread runs: the main thread's event-loop utilisation and the thread's activity. */
export interface TriggerOptions {
  /** How often the main thread's event-loop utilisation is sampled. */
  sampleMs: number;
  /** Busier than this (0..1) ... */
  busyAbove: number;
  /** ... this many samples in a row, with at least this many invocations a second: the thread starts. */
  busySamples: number;
  minInvocationsPerSecond: number;
  /** The thread served nothing and the main thread was not busy for this long: it stops. */
  idleStopMs: number;
}

export const TRIGGER_DEFAULTS: TriggerOptions = {
  sampleMs: 500,
  busyAbove: 0.5,
  busySamples: 2,
  // Invocations, not a deploy or a long list, are what the thread takes over.
  minInvocationsPerSecond: 1000,
  idleStopMs: 120_000,
};

/**
 * Decides, one sample at a time, whether the data-path thread should start or stop. Why not always on:
 * the thread is a second V8 isolate, +17-22 MB PSS with undici (docs/field-notes.md; less since), which the
 * idle daemon cannot spend within issue #12's 80 MB; it pays only while the main thread is the limit.
 */
export class BusyTrigger {
  private busyRun = 0;
  private quietMs = 0;

  constructor(private readonly o: TriggerOptions = TRIGGER_DEFAULTS) {}

  /**
   * One sample: the main thread's utilisation over the last period, whether the thread runs, whether
   * it served anything in the period, and the main thread's invocations in the period. 'start', 'stop'
   * or nothing to do.
   */
  sample(
    utilisation: number,
    running: boolean,
    served: boolean,
    invocations = 0,
  ): 'start' | 'stop' | undefined {
    const busy = utilisation > this.o.busyAbove;
    if (!running) {
      this.quietMs = 0;
      const invoking = invocations >= (this.o.minInvocationsPerSecond * this.o.sampleMs) / 1000;
      this.busyRun = busy && invoking ? this.busyRun + 1 : 0;
      if (this.busyRun < this.o.busySamples) return undefined;
      this.busyRun = 0;
      return 'start';
    }
    this.busyRun = 0;
    this.quietMs = served || busy ? 0 : this.quietMs + this.o.sampleMs;
    if (this.quietMs < this.o.idleStopMs) return undefined;
    this.quietMs = 0;
    return 'stop';
  }
}
