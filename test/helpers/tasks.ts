import type { Containerd } from '../../src/containerd/index.js';
import type { ProcessInfo } from '../../src/containerd/types.js';
import { pollUntil } from './wait.js';

/** SIGKILLs a running task's process and waits (bounded) until a new process of it runs. */
export async function killTaskAndAwaitRestart(
  c: Containerd,
  id: string,
  timeoutMs = 15_000,
): Promise<{ before: ProcessInfo | undefined; after: ProcessInfo }> {
  const before = await c.tasks.get(id);
  process.kill(before?.pid ?? 0, 'SIGKILL');
  const after = await pollUntil(
    `${id} to be running again`,
    async () => {
      const t = await c.tasks.get(id);
      return t?.status === 'RUNNING' && t.pid !== before?.pid ? t : undefined;
    },
    { timeoutMs },
  );
  return { before, after };
}
