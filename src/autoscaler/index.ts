import { cpuUsageMicros } from '../runtime/index.js';
import { Autoscaler, type AutoscalerDeps } from './autoscaler.js';
import { ScaleMetrics } from './scale-metrics.js';

export { ScaleMetrics };
export type { AutoscalePolicy, LoadSample, ScaleTarget } from './policy.js';

/**
 * Runs the autoscaler until `signal` aborts: every `intervalMs`, with a scale down window of twelve
 * intervals (60 s at the default 5 s). Its inputs are handed in (the provider's functions and load).
 */
export function runAutoscaler(
  inputs: Pick<AutoscalerDeps, 'functions' | 'load' | 'log'> & { metrics: ScaleMetrics },
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  return new Autoscaler({
    ...inputs,
    cpuMicros: cpuUsageMicros,
    intervalMs,
    stabilisationMs: 12 * intervalMs,
  }).run(signal);
}
