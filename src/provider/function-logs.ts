import { lstat, rm, symlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { logPath } from '../runtime/index.js';

/**
 * The logs route reads `<logDir>/<namespace>/<name>.log`, but a function's container may be NAME.1 (an
 * update alternates slots) and each container logs to `<id>.log`. So NAME.log is the serving
 * container's own file, or a relative symlink to it. The route follows the path (stat, inode), so a
 * follower moves on to the new version's log after an update.
 * TODO(replicas): with N containers, the route should read every container's log itself.
 */
export async function pointFunctionLog(
  logDir: string,
  namespace: string,
  name: string,
  id: string,
): Promise<void> {
  await unlinkFunctionLog(logDir, namespace, name);
  if (id === name) return;
  await symlink(basename(logPath(logDir, namespace, id)), logPath(logDir, namespace, name));
}

/** Removes NAME.log when it is a symlink (before a container in slot NAME opens it, or on delete). */
export async function unlinkFunctionLog(logDir: string, namespace: string, name: string): Promise<void> {
  const path = logPath(logDir, namespace, name);
  const st = await lstat(path).catch(() => undefined);
  if (st?.isSymbolicLink()) await rm(path);
}
