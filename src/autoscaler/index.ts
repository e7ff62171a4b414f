import type { Logger } from '../log.js';
import type { FunctionService, LoadTracker } from '../provider/index.js';
import { cpuUsageMicros } from '../runtime/index.js';
import { Autoscaler } from './autoscaler.js';

/**
 * Runs the autoscaler beside a FunctionService until `signal` aborts: every `intervalMs`, with a scale
 * down window of twelve intervals (60 s at the default 5 s).
 */
export function runAutoscaler(
  functions: FunctionService,
  load: LoadTracker,
  intervalMs: number,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  return new Autoscaler({
    functions,
    load,
    cpuMicros: cpuUsageMicros,
    log,
    metrics: functions.scaleMetrics,
    intervalMs,
    stabilisationMs: 12 * intervalMs,
  }).run(signal);
}
