export { ContainerRuntime } from './runtime.js';
export { ensureShimWrapper } from './shim-wrapper.js';
export { sweepCreateLeftovers } from './create-leftovers.js';
export { logPath, parseLogLine, type LogLine } from './logs.js';
export type { ContainerSpec, NetworkAttacher, Attachment, PortMapping, RunningContainer } from './types.js';

export { readLog, type FollowStats, type LogReadOptions } from './log-reader.js';
export { Backoff, systemClock, type BackoffOptions, type Clock } from './backoff.js';
export { TaskWatcher, type DeadTask, type ExitEventSource, type WatcherOptions } from './watcher.js';
export { memoryUsageBytes, cpuUsageMicros } from './usage.js';
