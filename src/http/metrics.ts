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

/**
 * Callers observe only invocations of functions that exist (issue #17 item 4: made-up names each made a
 * series, kept forever); the bound is the backstop for many real functions times many status codes.
 */
export class Metrics {
  private readonly series = new Map<string, Series>();

  constructor(readonly maxSeries = DEFAULT_MAX_SERIES) {}

  observe(fn: string, code: number, seconds: number): void {
    let key = `${fn}\u0000${code}`;
    let s = this.series.get(key);
    if (!s && this.series.size >= this.maxSeries) {
      // One overflow series for everything past the bound (its code too: codes are many as well).
      key = `${OVERFLOW_LABEL}\u0000${OVERFLOW_LABEL}`;
      s = this.series.get(key);
    }
    if (!s) {
      s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
  }

  /** Series held (the overflow one included): at most maxSeries + 1. */
  get size(): number {
    return this.series.size;
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
    for (const [key, s] of this.series) {
      const [fn, code] = key.split('\u0000');
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
