export { ContainerRuntime } from './runtime.js';
export { logPath, parseLogLine, type LogLine } from './logs.js';
export type { ContainerSpec, NetworkAttacher, Attachment, PortMapping } from './types.js';
export { memoryUsageBytes } from './usage.js';
