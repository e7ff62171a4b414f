import { readFile } from 'node:fs/promises';
import { pollUntil } from './wait.js';

/** The parent of a host pid: a task's init process is the child of the shim that serves it. */
export async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Waits (bounded) until the task `id` runs again in a new process; its new pid. */
export function runsAgain(
  task: (id: string) => Promise<{ status: string; pid: number } | undefined>,
  id: string,
  oldPid: number,
): Promise<number> {
  return pollUntil(
    `${id} to run again`,
    async () => {
      const t = await task(id);
      return t?.status === 'RUNNING' && t.pid !== oldPid ? t.pid : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}
