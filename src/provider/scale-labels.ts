import { InvalidArgumentError } from '../errors.js';
import { parseGoDuration as parseDuration } from '../duration.js';

/**
 * OpenFaaS Pro's scaling labels (docs.openfaas.com/architecture/autoscaling), with its defaults. Read
 * from the function's deployment labels; one parser, used at deploy and update (a 400 naming the label)
 * and by the scaler (which only ever sees labels that passed it).
 */
export const SCALE_LABELS = {
  min: 'com.openfaas.scale.min',
  max: 'com.openfaas.scale.max',
  target: 'com.openfaas.scale.target',
  type: 'com.openfaas.scale.type',
  proportion: 'com.openfaas.scale.target-proportion',
  zero: 'com.openfaas.scale.zero',
  zeroDuration: 'com.openfaas.scale.zero-duration',
} as const;

export type ScaleType = 'rps' | 'capacity' | 'cpu';
const TYPES: readonly ScaleType[] = ['rps', 'capacity', 'cpu'];

/** No function runs more replicas than this on one host, whatever its max label says. */
export const HARD_MAX_REPLICAS = 50;

export interface ScalePolicy {
  min: number;
  max: number;
  /** Load per replica: requests per second (rps), requests in flight (capacity), millicores (cpu). */
  target: number;
  type: ScaleType;
  proportion: number;
  zero: boolean;
  zeroDurationMs: number;
  /**
   * Whether the autoscaler moves the replica count: some of min, max, target, type or target-proportion
   * is set, and min < max. Unlabelled functions keep their manual count (see docs/scaling.md).
   */
  autoscale: boolean;
}

export const DEFAULT_POLICY: Omit<ScalePolicy, 'autoscale'> = {
  min: 1,
  max: 20,
  target: 50,
  type: 'rps',
  proportion: 0.9,
  zero: false,
  zeroDurationMs: 15 * 60_000,
};

/** Go's time.ParseDuration syntax ("2s", "15m", "1h30m", "1.5h", "0"), unsigned; whole milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms === undefined ? undefined : Math.round(ms);
}

function bad(label: string, value: string, want: string): InvalidArgumentError {
  return new InvalidArgumentError('labels', `label ${label}=${JSON.stringify(value)} is invalid: ${want}`);
}

function wholeNumber(
  labels: Record<string, string>,
  label: string,
  lo: number,
  hi: number,
): number | undefined {
  const raw = labels[label];
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < lo || n > hi)
    throw bad(label, raw, `want a whole number from ${lo} to ${hi}`);
  return n;
}

/** The function's scaling policy from its labels; a 400 naming the first bad label and its value. */
export function parseScaleLabels(labels: Record<string, string> | undefined): ScalePolicy {
  const l = labels ?? {};
  const min = wholeNumber(l, SCALE_LABELS.min, 1, HARD_MAX_REPLICAS);
  const max = wholeNumber(l, SCALE_LABELS.max, 1, HARD_MAX_REPLICAS);
  const target = wholeNumber(l, SCALE_LABELS.target, 1, 1_000_000);
  const p: ScalePolicy = {
    ...DEFAULT_POLICY,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(target !== undefined ? { target } : {}),
    autoscale: false,
  };
  if (p.min > p.max) throw bad(SCALE_LABELS.min, String(p.min), `it is above ${SCALE_LABELS.max} (${p.max})`);
  const type = l[SCALE_LABELS.type];
  if (type !== undefined) {
    if (!TYPES.includes(type as ScaleType))
      throw bad(SCALE_LABELS.type, type, `want one of ${TYPES.join(', ')}`);
    p.type = type as ScaleType;
  }
  const prop = l[SCALE_LABELS.proportion];
  if (prop !== undefined) {
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(prop.trim()) ? Number(prop) : NaN;
    if (!(n > 0 && n <= 1)) throw bad(SCALE_LABELS.proportion, prop, 'want a number above 0, at most 1');
    p.proportion = n;
  }
  const zero = l[SCALE_LABELS.zero];
  if (zero !== undefined) {
    if (zero !== 'true' && zero !== 'false') throw bad(SCALE_LABELS.zero, zero, 'want true or false');
    p.zero = zero === 'true';
  }
  const dur = l[SCALE_LABELS.zeroDuration];
  if (dur !== undefined) {
    const ms = parseGoDuration(dur.trim());
    if (ms === undefined || ms < 1000)
      throw bad(
        SCALE_LABELS.zeroDuration,
        dur,
        'want a Go duration of at least 1s, e.g. "2s", "15m", "1h30m"',
      );
    p.zeroDurationMs = ms;
  }
  const labelled = [
    SCALE_LABELS.min,
    SCALE_LABELS.max,
    SCALE_LABELS.target,
    SCALE_LABELS.type,
    SCALE_LABELS.proportion,
  ];
  p.autoscale = labelled.some((k) => l[k] !== undefined) && p.min < p.max;
  return p;
}
