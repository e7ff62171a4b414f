export { Containerd, DEFAULT_ADDRESS } from './client.js';
export { ContainerdError, isNotFound, isAlreadyExists } from './errors.js';
export { DigestMismatchError, sha256Digest, skipBytes } from './content.js';
export { SPEC_TYPE_URL, RUNC_RUNTIME, specOf, type NewContainer } from './containers.js';
export { DEFAULT_SNAPSHOTTER } from './snapshots.js';
export type { ContainerdEvent, TaskExitEvent } from './events.js';
export type * from './types.js';
export { toDate } from './types.js';
export { buildSpec, NOFILE_LIMIT, type SpecOptions, type BindMount } from './spec.js';
