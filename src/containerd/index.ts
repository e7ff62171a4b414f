export { Containerd } from './client.js';
export { isAlreadyExists } from './errors.js';
export { DigestMismatchError, sha256Digest, skipBytes } from './content.js';
export { specOf, RUNC_RUNTIME } from './containers.js';
export type { ContainerRecord, Descriptor, ExitStatus, Mount, ProcessInfo } from './types.js';
export type { ContainerdEvent } from './events.js';
export { toDate } from './types.js';
export { buildSpec, NOFILE_LIMIT, type BindMount } from './spec.js';
