export { ContainerRuntime, processArgs, IMAGE_LABEL, type RuntimeOptions } from './runtime.js';
export { logPath, parseLogLine, type LogLine } from './logs.js';
export type { ContainerSpec, NetworkAttacher, Attachment, PortMapping, RunningContainer } from './types.js';
export { memoryUsageBytes, cpuUsageMicros } from './usage.js';
