const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration ("30s", "1h30m", "1.5h", "500ms", "0") in milliseconds, as time.ParseDuration reads it
 * (robfig/cron's `@every` and OpenFaaS Pro's zero-duration use it); undefined when it is not one. Signs
 * are refused: a period is positive. Not rounded: the caller decides its resolution.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m?.[1] || !m[2]) return undefined;
    total += Number(m[1]) * (GO_UNITS[m[2]] ?? NaN);
    at = re.lastIndex;
  }
  return at > 0 && Number.isFinite(total) ? total : undefined;
}
