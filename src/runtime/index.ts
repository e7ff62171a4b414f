export { ContainerRuntime, processArgs, IMAGE_LABEL, type RuntimeOptions } from './runtime.js';
export { logPaths, type LogPaths } from './logs.js';
export { parseUser } from './user.js';
export type { ContainerSpec, NetworkAttacher, Attachment, PortMapping, RunningContainer } from './types.js';
