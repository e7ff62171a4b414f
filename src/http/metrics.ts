/** Invocation counters and a latency histogram in Prometheus text format. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Series past the bound are summed into this one label, so /metrics cannot grow without limit. */
export const OVERFLOW_LABEL = '_other';
export const DEFAULT_MAX_SERIES = 2000;

interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

/** One series' counts since the last take(): what a data-path thread sends the main thread (issue #12). */
export interface SeriesDelta extends Series {
  fn: string;
  code: number | string;
}

/**
 * Callers observe only invocations of functions that exist (issue #17 item 4: made-up names each made a
 * series, kept forever); the bound is the backstop for many real functions times many status codes.
 */
export class Metrics {
  // function → status code → series: no key string built per observation (it runs on every invocation).
  private readonly series = new Map<string, Map<number | string, Series>>();
  private count = 0;

  constructor(readonly maxSeries = DEFAULT_MAX_SERIES) {}

  private find(fn: string, code: number | string): Series | undefined {
    return this.series.get(fn)?.get(code);
  }

  private add(fn: string, code: number | string): Series {
    const s: Series = { count: 0, sum: 0, buckets: new Array<number>(BUCKETS.length).fill(0) };
    let codes = this.series.get(fn);
    if (!codes) this.series.set(fn, (codes = new Map<number | string, Series>()));
    codes.set(code, s);
    this.count++;
    return s;
  }

  observe(fn: string, code: number, seconds: number): void {
    let s = this.find(fn, code);
    if (!s) {
      // One overflow series for everything past the bound (its code too: codes are many as well).
      s =
        this.count < this.maxSeries
          ? this.add(fn, code)
          : (this.find(OVERFLOW_LABEL, OVERFLOW_LABEL) ?? this.add(OVERFLOW_LABEL, OVERFLOW_LABEL));
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++)
      if (seconds <= (BUCKETS[i] as number)) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
  }

  /**
   * Every series' counts, and forgets them: a thread's batch for the main thread's metrics. Bounded as
   * the series are (maxSeries + 1).
   */
  take(): SeriesDelta[] {
    const out: SeriesDelta[] = [];
    for (const [fn, codes] of this.series) for (const [code, s] of codes) out.push({ fn, code, ...s });
    this.series.clear();
    this.count = 0;
    return out;
  }

  /** Adds another thread's counts (take()'s), under the same bound as observe(). */
  merge(deltas: readonly SeriesDelta[]): void {
    for (const d of deltas) {
      let s = this.find(d.fn, d.code);
      if (!s)
        s =
          this.count < this.maxSeries
            ? this.add(d.fn, d.code)
            : (this.find(OVERFLOW_LABEL, OVERFLOW_LABEL) ?? this.add(OVERFLOW_LABEL, OVERFLOW_LABEL));
      s.count += d.count;
      s.sum += d.sum;
      for (let i = 0; i < BUCKETS.length; i++) s.buckets[i] = (s.buckets[i] ?? 0) + (d.buckets[i] ?? 0);
    }
  }

  /** Series held (the overflow one included): at most maxSeries + 1. */
  get size(): number {
    return this.count;
  }

  render(prefix = 'provider'): string {
    const lines = [
      `# HELP ${prefix}_function_invocation_total Invocations by function and status code.`,
      `# TYPE ${prefix}_function_invocation_total counter`,
    ];
    const hist = [
      `# HELP ${prefix}_functions_seconds Invocation latency.`,
      `# TYPE ${prefix}_functions_seconds histogram`,
    ];
    for (const [fn, codes] of this.series)
      for (const [code, s] of codes) {
        const labels = `function_name="${fn}",code="${code}"`;
        lines.push(`${prefix}_function_invocation_total{${labels}} ${s.count}`);
        BUCKETS.forEach((b, i) =>
          hist.push(`${prefix}_functions_seconds_bucket{${labels},le="${b}"} ${s.buckets[i]}`),
        );
        hist.push(`${prefix}_functions_seconds_bucket{${labels},le="+Inf"} ${s.count}`);
        hist.push(
          `${prefix}_functions_seconds_sum{${labels}} ${s.sum}`,
          `${prefix}_functions_seconds_count{${labels}} ${s.count}`,
        );
      }
    return [...lines, ...hist].join('\n') + '\n';
  }
}
