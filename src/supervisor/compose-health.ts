import { ComposeError } from './compose-errors.js';

/** Compose's `restart:`. Without it faasd core services restart always, as faasd-ts always has. */
export type RestartPolicy = 'always' | 'on-failure' | 'no' | 'unless-stopped';

/** Compose's `healthcheck:`, in milliseconds; `test` is the argv to exec in the container. */
export interface Healthcheck {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  /** How often to probe during the start period (compose's `start_interval`). */
  startIntervalMs: number;
}

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/** Docker's defaults (docker run --health-*). */
const DEFAULTS = { interval: 30_000, timeout: 30_000, retries: 3, startPeriod: 0, startInterval: 5_000 };
const POLICIES: RestartPolicy[] = ['always', 'on-failure', 'no', 'unless-stopped'];
const CONDITIONS: DependsCondition[] = [
  'service_started',
  'service_healthy',
  'service_completed_successfully',
];
const HEALTH_FIELDS = new Set([
  'test',
  'interval',
  'timeout',
  'retries',
  'start_period',
  'start_interval',
  'disable',
]);
/** Longer than a day is a typo, and a day bounds how long `faasd up` can wait for one service. */
const MAX_DURATION_MS = 24 * 3600 * 1000;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export function restartPolicy(service: string, v: unknown): RestartPolicy {
  if (v === undefined || v === null) return 'always';
  // YAML 1.1 reads an unquoted `no` as false; compose files write it either way.
  if (v === false) return 'no';
  if (typeof v === 'string' && (POLICIES as string[]).includes(v)) return v as RestartPolicy;
  if (typeof v === 'string' && v.startsWith('on-failure:'))
    throw new ComposeError(
      service,
      'restart',
      `${JSON.stringify(v)}: a retry limit is not supported; use on-failure`,
    );
  throw new ComposeError(service, 'restart', `${JSON.stringify(v)} is not one of ${POLICIES.join(', ')}`);
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 60e3,
  h: 3600e3,
};

/** Go's time.ParseDuration syntax, as compose takes it: `1m30s`, `500ms`, `1.5s`, `0`. */
export function parseDuration(service: string, field: string, v: unknown): number {
  const bad = () =>
    new ComposeError(service, field, `${JSON.stringify(v)} is not a duration (Go syntax: 30s, 1m30s, 500ms)`);
  if (typeof v !== 'string') throw bad();
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let ms = 0;
  let end = 0;
  for (const m of v.matchAll(re)) {
    ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    end = (m.index ?? 0) + m[0].length;
  }
  if (v === '' || end !== v.length || !Number.isFinite(ms)) throw bad();
  if (ms > MAX_DURATION_MS) throw new ComposeError(service, field, `${JSON.stringify(v)} is longer than 24h`);
  return Math.round(ms);
}

function healthTest(service: string, v: unknown): string[] | undefined {
  const field = 'healthcheck.test';
  if (typeof v === 'string') {
    if (v.trim() === '') throw new ComposeError(service, field, 'is empty');
    return ['/bin/sh', '-c', v];
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
    throw new ComposeError(
      service,
      field,
      'must be a string or a list ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]',
    );
  const [kind, ...rest] = v;
  if (kind === 'NONE') return undefined;
  if (rest.length === 0) throw new ComposeError(service, field, `${JSON.stringify(kind)} has no command`);
  // docker joins CMD-SHELL's words with spaces and runs them with the shell.
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  if (kind === 'CMD') return rest;
  throw new ComposeError(
    service,
    field,
    `${JSON.stringify(kind)}: the first word must be CMD, CMD-SHELL or NONE`,
  );
}

/** `healthcheck:`; undefined when there is none, or it is disabled (`disable: true`, `test: ["NONE"]`). */
export function healthcheck(service: string, v: unknown): Healthcheck | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ComposeError(service, 'healthcheck', 'must be a map');
  for (const k of Object.keys(v))
    if (!HEALTH_FIELDS.has(k)) throw new ComposeError(service, `healthcheck.${k}`, 'is not supported');
  if (v.disable !== undefined && typeof v.disable !== 'boolean')
    throw new ComposeError(service, 'healthcheck.disable', 'must be true or false');
  if (v.disable === true) return undefined;
  if (v.test === undefined) throw new ComposeError(service, 'healthcheck.test', 'is missing');
  const test = healthTest(service, v.test);
  if (!test) return undefined;
  const duration = (k: string, dflt: number, min: number): number => {
    if (v[k] === undefined) return dflt;
    const ms = parseDuration(service, `healthcheck.${k}`, v[k]);
    // docker: 0 means its default; anything else below the minimum is refused.
    if (ms === 0) return dflt;
    if (ms < min)
      throw new ComposeError(service, `healthcheck.${k}`, `${JSON.stringify(v[k])} is under ${min} ms`);
    return ms;
  };
  const retries = v.retries ?? DEFAULTS.retries;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 1000)
    throw new ComposeError(
      service,
      'healthcheck.retries',
      `${JSON.stringify(v.retries)} is not a whole number 0-1000`,
    );
  return {
    test,
    intervalMs: duration('interval', DEFAULTS.interval, 10),
    timeoutMs: duration('timeout', DEFAULTS.timeout, 10),
    // docker: 0 retries means its default of 3.
    retries: retries === 0 ? DEFAULTS.retries : retries,
    startPeriodMs: duration('start_period', DEFAULTS.startPeriod, 0),
    startIntervalMs: duration('start_interval', DEFAULTS.startInterval, 10),
  };
}

/** `depends_on`: a list (every one `service_started`) or a map of `{condition, required, restart}`. */
export function dependsOn(service: string, v: unknown): Record<string, DependsCondition> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    return Object.fromEntries(v.map((d) => [d, 'service_started' as const]));
  if (!isObject(v)) throw new ComposeError(service, 'depends_on', 'must be a list of service names or a map');
  const out: Record<string, DependsCondition> = {};
  for (const [dep, raw] of Object.entries(v)) {
    const field = `depends_on.${dep}`;
    if (raw === null) {
      out[dep] = 'service_started';
      continue;
    }
    if (!isObject(raw)) throw new ComposeError(service, field, 'must be a map with condition');
    for (const k of Object.keys(raw))
      if (k !== 'condition') throw new ComposeError(service, `${field}.${k}`, 'is not supported');
    const c = raw.condition ?? 'service_started';
    if (typeof c !== 'string' || !(CONDITIONS as string[]).includes(c))
      throw new ComposeError(
        service,
        `${field}.condition`,
        `${JSON.stringify(c)} is not one of ${CONDITIONS.join(', ')}`,
      );
    out[dep] = c as DependsCondition;
  }
  return out;
}
