const SVG = 'http://www.w3.org/2000/svg';
const W = 120;
const H = 28;

function line(values: number[], max: number, cls: string): SVGPolylineElement {
  const p = document.createElementNS(SVG, 'polyline');
  const step = values.length > 1 ? W / (values.length - 1) : W;
  p.setAttribute(
    'points',
    values.map((v, i) => `${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`).join(' '),
  );
  p.setAttribute('class', cls);
  return p;
}

/**
 * A fixed-size sparkline of invocations (and 5xx answers) per bucket: the same box whether data has
 * arrived or not, so the table does not move. Described in words for screen readers.
 */
export function rateChart(
  series: { calls: number[]; errors: number[] } | undefined,
  bucketSeconds: number,
  buckets = 30,
): SVGSVGElement {
  const calls = series?.calls ?? new Array<number>(buckets).fill(0);
  const errors = series?.errors ?? new Array<number>(buckets).fill(0);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const total = calls.reduce((a, b) => a + b, 0);
  const failed = errors.reduce((a, b) => a + b, 0);
  const minutes = Math.round((calls.length * bucketSeconds) / 60);
  const rate = ((calls.at(-1) ?? 0) + (calls.at(-2) ?? 0)) / (2 * bucketSeconds);
  svg.setAttribute(
    'aria-label',
    `${total} invocations in the last ${minutes} minutes, ${failed} errors; now ${rate.toFixed(2)} per second`,
  );
  const max = Math.max(1, ...calls);
  svg.append(line(calls, max, 'calls'), line(errors, max, 'errors'));
  return svg;
}
