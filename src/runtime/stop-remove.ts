import type { Containerd, ExitStatus } from '../containerd/index.js';
import type { LogCollector } from './log-collector.js';
import { removeLogs } from './logs.js';
import type { ShimGroups } from './shim-groups.js';
import type { NetworkAttacher } from './types.js';

const SIGTERM = 15;
const SIGKILL = 9;

/** The runtime's own parts that stopping and removing a container touch besides containerd. */
export interface TeardownParts {
  logs: LogCollector;
  groups: ShimGroups | undefined;
  network: NetworkAttacher | undefined;
  logDir: string;
}

/**
 * Stops the task (SIGTERM, or SIGKILL for a task never started; SIGKILL after `graceMs`) and deletes
 * it; the container stays. No task: only a log reader left from an earlier one is let go.
 */
export async function stopTask(
  ctd: Containerd,
  logs: LogCollector,
  namespace: string,
  id: string,
  graceMs: number,
): Promise<ExitStatus | undefined> {
  const task = await ctd.tasks.get(id);
  if (!task) {
    await logs.detach(namespace, id, 0);
    return undefined;
  }
  if (task.status === 'RUNNING' || task.status === 'PAUSED' || task.status === 'CREATED') {
    const ctl = new AbortController();
    const exited = ctd.tasks.wait(id, ctl.signal).catch(() => undefined);
    await ctd.tasks.kill(id, task.status === 'CREATED' ? SIGKILL : SIGTERM);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)),
    );
    const first = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      await ctd.tasks.kill(id, SIGKILL, true);
      await exited;
    }
    ctl.abort();
  }
  const status = await ctd.tasks.delete(id);
  // The shim has copied the task's last output by the time Delete answers; read it to the end.
  await logs.detach(namespace, id);
  return status;
}

/** Removes everything of the container: task, container record, snapshot, network, and its log. */
export async function removeContainer(
  ctd: Containerd,
  parts: TeardownParts,
  namespace: string,
  id: string,
  opts: { keepLog: boolean; graceMs: number },
): Promise<void> {
  await stopTask(ctd, parts.logs, namespace, id, opts.graceMs);
  await parts.logs.forget(namespace, id);
  await ctd.containers.delete(id);
  await parts.groups?.release(namespace, id);
  await ctd.snapshots.remove(id);
  await parts.network?.detach(namespace, id);
  if (!opts.keepLog) await removeLogs(parts.logDir, namespace, id);
}
